//! The automerge-repo endpoint at `/sync`, joined to the rooms through the
//! gate (ARCHITECTURE.md, "Sync through the gate").
//!
//! accord-sync's [`Session`] speaks the protocol; this module gives it the
//! server ([`Served`]):
//! - **who may do what**: the same rule as the JSON API
//!   (`Negotiation::may_write`), decided again whenever the negotiation
//!   changed;
//! - **served copies**: one copy of each document peers sync, kept in step
//!   with every stored change (the rooms' [`Changed`] events), so syncing
//!   readers never hold a negotiation's lock for long;
//! - **peers' changes**: offered to the negotiation's room, which runs the core's gate,
//!   stores the accepted ones (fsync) and announces them; only then do other
//!   peers receive them.
//!
//! Each connection is opened with a token (`?token=`, since WebSocket
//! clients cannot always set headers, or the usual header or cookie) and
//! pinned to that participant's peer id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use accord_core::automerge::{Automerge, Change};
use accord_core::gate::{Admission, Refusal};
use accord_core::{DocumentId, ParticipantCode};
use accord_sync::{DocumentAccess, Output, Peer, Served, Session};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, oneshot};

use crate::error::ApiError;
use crate::room::Changed;
use crate::session;
use crate::state::AppState;

/// The largest sync message a peer may send (a whole proposal with a long history fits many times).
pub const MAX_SYNC_MESSAGE: usize = 16 * 1024 * 1024;

/// How much a sync socket reads from the network at a time: the WebSocket library zeroes
/// this much before each read, and the incoming side is polled once per change announced
/// (its default is 128 KiB; a large message takes a few more reads).
const READ_CHUNK: usize = 16 * 1024;
/// How many change notices a slow connection may lag behind before it resyncs all it holds.
const NOTICE_BACKLOG: usize = 1024;

/// The endpoint's state, shared by its connections.
pub struct SyncService {
    /// The served copy of each document a peer synced.
    copies: Mutex<HashMap<DocumentId, Arc<Mutex<Automerge>>>>,
    /// Access decisions, by (participant, document), with the negotiation's
    /// change count they were made at.
    decisions: Mutex<HashMap<(ParticipantCode, DocumentId), (u64, DocumentAccess)>>,
    /// Tells connections which documents changed, once their copies are up to date.
    notices: broadcast::Sender<Arc<Changed>>,
    connections: AtomicUsize,
    refused: AtomicU64,
    running: std::sync::atomic::AtomicBool,
    /// Dropped with the service, which ends the task following the hub: that task holds the
    /// hub (and its store) open, and the hub's events never end while it does.
    _following: oneshot::Sender<()>,
}

impl SyncService {
    /// How many peers are connected.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// How many changes peers sent that the gate refused, since the server started.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Whether the endpoint follows the hub's changes.
    pub fn running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }
}

/// The endpoint, following the hub from now on: every stored change updates the served
/// copies, then connections are told. Called once, by the server's routes (`app`); the
/// following (the task returned) ends when the routes and their connections are gone.
pub(crate) fn start(state: &AppState) -> (Arc<SyncService>, tokio::task::JoinHandle<()>) {
    let (following, mut dropped) = oneshot::channel();
    let service = Arc::new(SyncService {
        copies: Mutex::default(),
        decisions: Mutex::default(),
        notices: broadcast::channel(NOTICE_BACKLOG).0,
        connections: AtomicUsize::new(0),
        refused: AtomicU64::new(0),
        running: std::sync::atomic::AtomicBool::new(true),
        _following: following,
    });
    let mut events = state.subscribe();
    let (state, service_ref) = (state.clone(), Arc::downgrade(&service));
    // However the task ends (the endpoint gone, the hub's events over, a panic, cancelled
    // before it ran), `running` says so: the guard goes with the task.
    let ended = NotRunning(service_ref.clone());
    let following = tokio::spawn(async move {
        let _ended = ended;
        loop {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = &mut dropped => return,
            };
            let Some(service) = service_ref.upgrade() else { return };
            match event {
                Ok(changed) => {
                    refresh_copies(&state, &service, &changed);
                    let _ = service.notices.send(Arc::new(changed));
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "sync fell behind the hub: every served copy is refreshed");
                    refresh_all(&service);
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
    (service, following)
}

/// Marks the endpoint as no longer following the hub when dropped.
struct NotRunning(std::sync::Weak<SyncService>);

impl Drop for NotRunning {
    fn drop(&mut self) {
        if let Some(service) = self.0.upgrade() {
            service.running.store(false, Ordering::Relaxed);
        }
    }
}

/// `GET /sync`: the automerge-repo protocol over a WebSocket.
pub async fn sync(
    State(state): State<AppState>,
    State(service): State<Arc<SyncService>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let token = match query.get("token") {
        Some(token) => token.clone(),
        None => {
            // A cookie goes with any page of the browser: only this server's own pages may use it.
            crate::origin::check_origin(&headers)?;
            session::token_of(&headers).ok_or_else(ApiError::unauthorized)?
        }
    };
    let grant = state.grant(&token)?.ok_or_else(ApiError::unauthorized)?;
    let upgrade = upgrade.map_err(|_| {
        ApiError::bad_request("this route is the automerge-repo sync WebSocket: open it with a sync client")
    })?;
    let peer = Peer { negotiation: grant.negotiation, participant: grant.participant };
    Ok(upgrade
        .max_message_size(MAX_SYNC_MESSAGE)
        .max_frame_size(MAX_SYNC_MESSAGE)
        .read_buffer_size(READ_CHUNK)
        .on_upgrade(move |socket| serve(state, service, socket, peer)))
}

/// One connection, until either side closes it.
async fn serve(state: AppState, service: Arc<SyncService>, mut socket: WebSocket, peer: Peer) {
    service.connections.fetch_add(1, Ordering::Relaxed);
    let mut notices = service.notices.subscribe();
    let mut session = Session::new(peer.clone());
    let served = HubServed { state: &state, service: &service };
    loop {
        let outputs = tokio::select! {
            frame = socket.recv() => match frame {
                Some(Ok(Message::Binary(bytes))) => tokio::task::block_in_place(|| session.receive(&bytes, &served)),
                Some(Ok(Message::Text(_))) => vec![Output::Close("the sync protocol is binary (CBOR)".into())],
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            },
            notice = notices.recv() => match notice {
                Ok(changed) if changed.negotiation == peer.negotiation => {
                    tokio::task::block_in_place(|| session.changed(&changed.documents, &served))
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {
                    let held: Vec<DocumentId> = session.documents().copied().collect();
                    tokio::task::block_in_place(|| session.changed(&held, &served))
                }
                Err(RecvError::Closed) => break,
            },
        };
        if !send(&mut socket, outputs).await {
            break;
        }
    }
    service.connections.fetch_sub(1, Ordering::Relaxed);
}

/// Sends outputs in order; false once the connection should end.
async fn send(socket: &mut WebSocket, outputs: Vec<Output>) -> bool {
    for output in outputs {
        match output {
            Output::Send(frame) => {
                if socket.send(Message::Binary(frame.into())).await.is_err() {
                    return false;
                }
            }
            Output::Close(reason) => {
                tracing::debug!(%reason, "sync connection closed");
                let reason: String = reason.chars().take(60).collect();
                let frame = CloseFrame { code: 4000, reason: reason.into() };
                let _ = socket.send(Message::Close(Some(frame))).await;
                return false;
            }
        }
    }
    true
}

/// The server as a session sees it.
struct HubServed<'s> {
    state: &'s AppState,
    service: &'s SyncService,
}

impl Served for HubServed<'_> {
    fn access(&self, peer: &Peer, document: DocumentId) -> DocumentAccess {
        let decided = (|| {
            // A document stored under another negotiation is never the peer's, whatever
            // its own negotiation's documents say (a participant document may list any id).
            if self.state.stored_negotiation(document)?.is_some_and(|stored| stored != peer.negotiation) {
                return Ok(DocumentAccess::Deny);
            }
            let seq = self.state.seq(peer.negotiation)?;
            let key = (peer.participant.clone(), document);
            let mut decisions = lock(&self.service.decisions);
            if let Some((at, access)) = decisions.get(&key)
                && *at == seq
            {
                return Ok(*access);
            }
            let access = self.state.read(peer.negotiation, |negotiation| {
                if negotiation.document_role(&document)?.is_none() {
                    return Ok(DocumentAccess::Deny);
                }
                Ok(match negotiation.may_write(&peer.participant, &document)? {
                    true => DocumentAccess::ReadWrite,
                    false => DocumentAccess::Read,
                })
            })?;
            decisions.insert(key, (seq, access));
            Ok::<_, ApiError>(access)
        })();
        decided.unwrap_or(DocumentAccess::Deny)
    }

    fn copy(&self, peer: &Peer, document: DocumentId) -> Option<Arc<Mutex<Automerge>>> {
        if let Some(copy) = lock(&self.service.copies).get(&document) {
            return Some(copy.clone());
        }
        let held = self.state.read(peer.negotiation, |n| Ok(n.documents().get(&document).cloned()));
        let copy = Arc::new(Mutex::new(held.ok()??));
        Some(lock(&self.service.copies).entry(document).or_insert(copy).clone())
    }

    fn offer(&self, peer: &Peer, document: DocumentId, changes: Vec<Change>) -> Admission {
        let hashes: Vec<_> = changes.iter().map(Change::hash).collect();
        let admission = self.state.admit(peer.negotiation, &peer.participant, document, changes);
        let admission = admission.unwrap_or_else(|error| {
            tracing::error!(error = error.message(), %document, "changes from a sync peer could not be taken");
            let reason = format!("the server could not take them: {}", error.message());
            Admission {
                accepted: Vec::new(),
                refused: hashes.into_iter().map(|change| Refusal { change, reason: reason.clone() }).collect(),
            }
        });
        for refusal in &admission.refused {
            tracing::info!(peer = %peer, %document, change = %refusal.change, reason = %refusal.reason, "sync change refused");
        }
        self.service.refused.fetch_add(admission.refused.len() as u64, Ordering::Relaxed);
        if !admission.accepted.is_empty() {
            refresh_copies(
                self.state,
                self.service,
                &Changed { negotiation: peer.negotiation, documents: vec![document] },
            );
        }
        admission
    }
}

/// Brings the served copies of changed documents up to the hub's.
fn refresh_copies(state: &AppState, service: &SyncService, changed: &Changed) {
    let copies: Vec<(DocumentId, Arc<Mutex<Automerge>>)> = {
        let all = lock(&service.copies);
        changed.documents.iter().filter_map(|id| Some((*id, all.get(id)?.clone()))).collect()
    };
    if copies.is_empty() {
        return;
    }
    let result = state.read(changed.negotiation, |negotiation| {
        for (id, copy) in &copies {
            if let Some(source) = negotiation.documents().get(id) {
                absorb(&mut lock(copy), source);
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        tracing::error!(error = error.message(), "could not bring served copies up to date");
    }
}

/// Drops every served copy (they are taken afresh from the hub on next use).
fn refresh_all(service: &SyncService) {
    lock(&service.copies).clear();
    lock(&service.decisions).clear();
}

/// Applies the changes of `source` that `copy` lacks.
fn absorb(copy: &mut Automerge, source: &Automerge) {
    let missing = copy.get_changes_added(source);
    if !missing.is_empty()
        && let Err(error) = copy.apply_changes(missing)
    {
        tracing::error!(%error, "a served copy could not take the hub's changes");
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use accord_store::Store;

    use super::*;

    /// A state on an empty store of its own (`name`), and the store's directory.
    fn fresh_state(name: &str) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("accord-sync-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        (AppState::new(Store::open(&dir).expect("store"), "test".into()), dir)
    }

    #[tokio::test]
    async fn the_endpoint_stops_following_the_hub_once_it_is_dropped() {
        let (state, dir) = fresh_state("following");
        let (service, following) = start(&state);
        assert!(service.running() && !following.is_finished(), "the endpoint follows the hub");
        drop(service);
        let ended = tokio::time::timeout(std::time::Duration::from_secs(10), following).await;
        assert!(matches!(ended, Ok(Ok(()))), "the task following the hub ended with the endpoint");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn health_says_the_endpoint_stopped_following_when_its_task_ended() {
        let (state, dir) = fresh_state("stopped");
        let (service, following) = start(&state);
        assert!(service.running(), "following at first");
        following.abort();
        let _ = following.await;
        assert!(!service.running(), "the task ended, however it did");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

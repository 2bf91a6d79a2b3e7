//! The automerge-repo endpoint at `/sync`, joined to the hub.
//!
//! accord-sync runs the protocol; this module connects it to the rest of
//! the server, in three directions:
//! - **who may do what**: [`HubAccess`] answers the endpoint's share policy
//!   from the negotiation in the hub, with the same rule as the JSON API
//!   (`Negotiation::may_write`), and re-asks on every change;
//! - **sync to hub**: a chunk the endpoint stored is announced like any
//!   other write ([`Hub::refresh`]), so browsers see a native peer's edit;
//! - **hub to sync**: every document the hub changed that the endpoint holds
//!   in memory absorbs the new changes, so connected peers receive them.
//!
//! Each connection is opened with a token (`?token=`, since WebSocket
//! clients cannot always set headers, or the usual header or cookie) and
//! pinned to that participant's peer id. A storage failure stops the
//! endpoint: syncing on without a durable copy would only pretend.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use accord_core::DocumentId;
use accord_store::StoreError;
use accord_sync::{DocumentAccess, EndpointError, Peer, PeerAccess, StorageEvents, SyncEndpoint};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::hub::AppState;
use crate::session;

/// The largest sync message a peer may send (a whole proposal with a long history fits many times).
pub const MAX_SYNC_MESSAGE: usize = 16 * 1024 * 1024;

/// The endpoint, once started.
#[derive(Clone, Default)]
pub struct SyncSlot(Arc<OnceLock<SyncEndpoint>>);

/// What the hub asks the sync side to do.
pub(crate) enum SyncWork {
    /// These documents of this negotiation changed in the hub.
    Changed(DocumentId, Vec<DocumentId>),
}

/// Starts the endpoint over the store in `dir` and joins it to the hub.
pub async fn start(state: &AppState, dir: &Path) -> Result<(), EndpointError> {
    let (stored_tx, mut stored_rx) = mpsc::unbounded_channel();
    let events = HubEvents { stored: stored_tx };
    let endpoint = SyncEndpoint::start(dir, Arc::new(HubAccess { state: state.clone() }), events).await?;
    let _ = state.sync_slot().0.set(endpoint.clone());

    let refresher = state.clone();
    let stopper = endpoint.clone();
    tokio::spawn(async move {
        while let Some(event) = stored_rx.recv().await {
            match event {
                Stored::Chunk(negotiation) => refresher.with(|hub| hub.refresh(negotiation)),
                Stored::Failed => {
                    tracing::error!("sync storage failed: the sync endpoint stops; the JSON API goes on");
                    stopper.stop().await;
                }
            }
        }
    });

    let (work_tx, mut work_rx) = mpsc::unbounded_channel();
    state.with(|hub| hub.send_sync_work_to(work_tx));
    let pusher = state.clone();
    tokio::spawn(async move {
        while let Some(SyncWork::Changed(negotiation, documents)) = work_rx.recv().await {
            let mut synced = Vec::new();
            for document in documents {
                if let Some(held) = endpoint.open(document).await {
                    synced.push((document, held));
                }
            }
            if synced.is_empty() {
                continue;
            }
            let absorbed = pusher.with(|hub| {
                hub.read(negotiation, |n| {
                    Ok(synced.iter().filter_map(|(id, held)| Some(held.absorb(n.documents().get(id)?))).sum::<usize>())
                })
            });
            if let Ok(count) = absorbed {
                tracing::debug!(%negotiation, count, "changes sent on to sync peers");
            }
        }
    });
    Ok(())
}

/// Stops the endpoint (at shutdown), after its writes are done.
pub async fn stop(state: &AppState) {
    if let Some(endpoint) = state.sync_slot().0.get() {
        endpoint.stop().await;
    }
}

/// `GET /sync`: the automerge-repo protocol over a WebSocket.
pub async fn sync(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let token = match query.get("token") {
        Some(token) => token.clone(),
        None => {
            // A cookie goes with any page of the browser: only this server's own pages may use it.
            crate::live::check_origin(&headers)?;
            session::token_of(&headers).ok_or_else(ApiError::unauthorized)?
        }
    };
    let grant = state.with(|hub| hub.grant(&token))?.ok_or_else(ApiError::unauthorized)?;
    let endpoint = state
        .sync_slot()
        .0
        .get()
        .cloned()
        .ok_or_else(|| ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "sync is not running"))?;
    let upgrade = upgrade.map_err(|_| {
        ApiError::bad_request("this route is the automerge-repo sync WebSocket: open it with a sync client")
    })?;
    let peer = Peer { negotiation: grant.negotiation, participant: grant.participant };
    Ok(upgrade.max_message_size(MAX_SYNC_MESSAGE).max_frame_size(MAX_SYNC_MESSAGE).on_upgrade(
        move |socket| async move {
            if let Err(error) = endpoint.accept(socket, &peer) {
                tracing::warn!(%error, %peer, "sync connection not taken");
            }
        },
    ))
}

impl SyncSlot {
    /// The endpoint, if started.
    pub fn get(&self) -> Option<&SyncEndpoint> {
        self.0.get()
    }
}

/// The ownership rule, asked of the negotiation in the hub.
struct HubAccess {
    state: AppState,
}

impl PeerAccess for HubAccess {
    fn access(&self, peer: &Peer, document: DocumentId) -> DocumentAccess {
        let decided = self.state.with(|hub| {
            // A document stored under another negotiation is never the peer's, whatever
            // its own negotiation's documents say (a participant document may list any id).
            if hub.stored_negotiation(document)?.is_some_and(|stored| stored != peer.negotiation) {
                return Ok(DocumentAccess::Deny);
            }
            hub.read(peer.negotiation, |negotiation| {
                if negotiation.document_role(&document)?.is_none() {
                    return Ok(DocumentAccess::Deny);
                }
                Ok(match negotiation.may_write(&peer.participant, &document)? {
                    true => DocumentAccess::ReadWrite,
                    false => DocumentAccess::Read,
                })
            })
        });
        decided.unwrap_or(DocumentAccess::Deny)
    }

    fn changes(&self, negotiation: DocumentId) -> BoxStream<'static, ()> {
        let Ok(receiver) = self.state.with(|hub| hub.watch_changes(negotiation)) else {
            return stream::empty().boxed();
        };
        // Stored changes only (not presence, not cursors); a burst wakes it once.
        stream::unfold(receiver, |mut receiver| async move { receiver.changed().await.ok().map(|()| ((), receiver)) })
            .boxed()
    }
}

/// What the endpoint's storage reports.
enum Stored {
    Chunk(DocumentId),
    Failed,
}

struct HubEvents {
    stored: mpsc::UnboundedSender<Stored>,
}

impl StorageEvents for HubEvents {
    fn stored(&self, negotiation: DocumentId, _document: DocumentId) {
        let _ = self.stored.send(Stored::Chunk(negotiation));
    }

    fn failed(&self, _error: &StoreError) {
        let _ = self.stored.send(Stored::Failed);
    }
}

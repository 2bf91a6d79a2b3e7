//! The server side of sync: a samod repository over the server's store, each
//! connection pinned to the peer id of the token that opened it, and a share
//! policy per (document, peer) that asks the same ownership rule as the JSON
//! API ([`PeerAccess`], implemented by the server over
//! `accord_core::may_write_document`).
//!
//! A decision is re-asked whenever the peer's negotiation changes, so a new
//! co-sponsor gets write access without reconnecting and a document a peer
//! may not see is never sent. Read-only means samod ignores the peer's
//! changes to that document; they are never stored.
//!
//! Changes made outside samod (the JSON API, other processes) reach the
//! documents samod holds through [`SyncEndpoint::open`] and
//! [`SyncedDocument::absorb`].

use std::path::Path;
use std::sync::Arc;

use accord_core::DocumentId;
use accord_core::automerge::{Automerge, ReadDoc};
use accord_store::StoreError;
use futures::stream::{self, BoxStream, StreamExt};
use samod::{AcceptorHandle, DocHandle, PeerId, Repo, ShareConfig};

use crate::Peer;
use crate::ids::{from_samod, to_samod};
use crate::storage::{StorageEvents, SyncStorage};

/// What a peer may do with one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentAccess {
    /// Neither see nor change it.
    Deny,
    /// Receive it; its changes to it are ignored.
    Read,
    /// Receive it and change it.
    ReadWrite,
}

/// The server's rules, as the sync endpoint asks them.
pub trait PeerAccess: Send + Sync + 'static {
    /// What `peer` may do with `document` now. May block: it is called on a blocking thread.
    fn access(&self, peer: &Peer, document: DocumentId) -> DocumentAccess;
    /// Yields whenever `negotiation` changed, so access may have changed.
    fn changes(&self, negotiation: DocumentId) -> BoxStream<'static, ()>;
}

/// The automerge-repo endpoint of the server.
#[derive(Clone)]
pub struct SyncEndpoint {
    repo: Repo,
    acceptor: AcceptorHandle,
    storage: SyncStorage,
}

/// Why the endpoint cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The endpoint was stopped (after a storage failure, or at shutdown).
    #[error("the sync endpoint is stopped")]
    Stopped,
}

impl SyncEndpoint {
    /// Starts the endpoint over the store in `dir`.
    pub async fn start(
        dir: &Path,
        access: Arc<dyn PeerAccess>,
        events: impl StorageEvents,
    ) -> Result<SyncEndpoint, EndpointError> {
        let storage = SyncStorage::open(dir, events)?;
        let policy_storage = storage.clone();
        let policy = move |document: samod::DocumentId, peer: PeerId| {
            decisions(access.clone(), policy_storage.clone(), document, peer)
        };
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_share_policy(policy)
            .with_peer_id(PeerId::from("accord-server"))
            .load()
            .await;
        let url = samod::Url::parse("ws://accord/sync").expect("a constant URL parses");
        let acceptor = repo.make_acceptor(url).map_err(|_| EndpointError::Stopped)?;
        Ok(SyncEndpoint { repo, acceptor, storage })
    }

    /// Serves a WebSocket as `peer`: the peer must say it is `peer` in the
    /// protocol's handshake, or the connection is closed.
    pub fn accept(&self, socket: axum::extract::ws::WebSocket, peer: &Peer) -> Result<(), EndpointError> {
        self.acceptor
            .accept_axum(socket, Some(PeerId::from(peer.peer_id())))
            .map(|_| ())
            .map_err(|_| EndpointError::Stopped)
    }

    /// How many peers are connected.
    pub fn connections(&self) -> usize {
        self.acceptor.connection_count()
    }

    /// How many storage writes have failed.
    pub fn storage_failures(&self) -> u64 {
        self.storage.failures()
    }

    /// The document as samod holds it, if samod has loaded it (otherwise
    /// samod will read it from the store when it needs it, and nothing needs pushing).
    pub async fn open(&self, document: DocumentId) -> Option<SyncedDocument> {
        if !self.storage.is_loaded(document) {
            return None;
        }
        let handle = self.repo.find(to_samod(document)).await.ok()??;
        Some(SyncedDocument { handle })
    }

    /// Closes every connection and stops (after a storage failure, or at shutdown).
    pub async fn stop(&self) {
        self.acceptor.close();
        self.repo.stop().await;
    }
}

/// A document samod holds in memory.
pub struct SyncedDocument {
    handle: DocHandle,
}

impl SyncedDocument {
    /// Applies the changes of `source` that samod's copy lacks (connected
    /// peers then receive them); returns how many it applied.
    pub fn absorb(&self, source: &Automerge) -> usize {
        self.handle.with_document(|doc| {
            let known: Vec<_> =
                doc.get_heads().into_iter().filter(|head| source.get_change_by_hash(head).is_some()).collect();
            let missing = source.get_changes(&known);
            let count = missing.len();
            let before = doc.get_heads();
            if let Err(error) = doc.apply_changes(missing) {
                tracing::error!(%error, "could not bring a synced document up to date");
                return 0;
            }
            if doc.get_heads() == before { 0 } else { count }
        })
    }
}

/// The share decisions for one (document, peer): one now, and one after
/// each change of the peer's negotiation (samod ignores repeats).
fn decisions(
    access: Arc<dyn PeerAccess>,
    storage: SyncStorage,
    document: samod::DocumentId,
    peer: PeerId,
) -> BoxStream<'static, ShareConfig> {
    let (Some(peer), Some(document)) = (Peer::parse(peer.as_str()), from_samod(&document)) else {
        return stream::iter([ShareConfig::none()]).boxed();
    };
    let changes = access.changes(peer.negotiation);
    stream::once(async {})
        .chain(changes)
        .then(move |()| {
            let (access, storage, peer) = (access.clone(), storage.clone(), peer.clone());
            async move {
                let decided = tokio::task::spawn_blocking(move || {
                    let decided = access.access(&peer, document);
                    if decided != DocumentAccess::Deny {
                        storage.register(document, peer.negotiation);
                    }
                    decided
                })
                .await
                .unwrap_or(DocumentAccess::Deny);
                match decided {
                    DocumentAccess::Deny => ShareConfig::none(),
                    DocumentAccess::Read => ShareConfig::read_only().with_announce(false),
                    DocumentAccess::ReadWrite => ShareConfig::read_write().with_announce(false),
                }
            }
        })
        .boxed()
}

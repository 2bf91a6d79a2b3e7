//! `accord sync`: brings a local store and a server to the same state, both
//! ways, over the automerge-repo protocol, then stops.
//!
//! The token says who we are: `GET /api/me` gives the negotiation and the
//! peer id the server pins the connection to. Documents are fetched in
//! waves: the negotiation document first, then the documents it references
//! (participants' documents, then the proposals they list), until no new
//! one appears. A document is done when we hold everything the server has
//! and, if we may write it, the server holds everything we have. Local
//! changes to a document we may not write are reported, never sent: the
//! server would ignore them anyway.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use accord_core::automerge::ChangeHash;
use accord_core::{DocumentId, Negotiation, ParticipantCode};
use accord_store::Store;
use futures::future::BoxFuture;
use futures::{FutureExt, SinkExt, StreamExt};
use samod::{BackoffConfig, ConnectionId, DialError, Dialer, DialerEvent, DocHandle, PeerId, Repo, Transport};
use tokio_tungstenite::tungstenite::Message;

use crate::Peer;
use crate::ids::to_samod;
use crate::storage::{SyncStorage, Unobserved};

/// How long to wait for the server at each step.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// What a sync did.
#[derive(Debug)]
pub struct SyncReport {
    /// Who synced.
    pub peer: Peer,
    /// Documents now the same on both sides.
    pub documents: usize,
    /// Changes received from the server.
    pub received: usize,
    /// Documents with local changes the server will not take (we may not write them).
    pub not_sent: Vec<DocumentId>,
    /// Changes the server refused (its gate's reasons), by document.
    pub refused: Vec<(DocumentId, String)>,
}

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server's URL is not an http(s) URL.
    #[error("the server URL {0} is not http:// or https://")]
    BadUrl(String),
    /// The server did not answer.
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable {
        /// Where.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server refused the token.
    #[error("the server refused the token ({0}); ask the chair for a new one (accord invite --as CODE)")]
    Refused(String),
    /// The server answered something unexpected.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] accord_store::StoreError),
    /// The negotiation's documents do not form a negotiation.
    #[error(transparent)]
    Negotiation(#[from] accord_core::Error),
    /// A step took too long.
    #[error("timed out after {secs}s waiting for the server to {0}", secs = STEP_TIMEOUT.as_secs())]
    Timeout(String),
}

/// Syncs the store in `dir` with the server at `server` (its http URL) as
/// the holder of `token`; `progress` hears what is happening.
pub async fn sync_store(
    dir: &Path,
    server: &str,
    token: &str,
    progress: impl Fn(&str),
) -> Result<SyncReport, SyncError> {
    let server = server.trim_end_matches('/');
    let peer = who_am_i(server, token).await?;
    progress(&format!("signed in as {} in negotiation {}", peer.participant, peer.negotiation));
    let before = local_heads(dir, peer.negotiation)?;
    let storage = SyncStorage::open(dir, Unobserved)?;
    let repo =
        Repo::build_tokio().with_storage(storage.clone()).with_peer_id(PeerId::from(peer.peer_id())).load().await;
    let result = sync_with(&repo, &storage, server, token, &peer, &before, &progress).await;
    repo.stop().await;
    result
}

async fn sync_with(
    repo: &Repo,
    storage: &SyncStorage,
    server: &str,
    token: &str,
    peer: &Peer,
    before: &BTreeMap<DocumentId, Vec<ChangeHash>>,
    progress: &impl Fn(&str),
) -> Result<SyncReport, SyncError> {
    let url = sync_url(server, token)?;
    let few_retries =
        BackoffConfig { max_retries: Some(3), initial_delay: Duration::from_millis(200), ..BackoffConfig::default() };
    let dialer = repo.dial(few_retries, Arc::new(TokenDialer { url })).map_err(|_| stopped())?;
    let mut events = dialer.events();
    if let Err(error) = within("accept the sync connection", dialer.established()).await? {
        let mut reasons = vec![error.to_string()];
        while let Some(Some(event)) = events.next().now_or_never() {
            if let DialerEvent::Disconnected { reason } = event {
                reasons.push(reason);
            }
        }
        return Err(SyncError::Unreachable { url: server.to_string(), reason: reasons.join("; ") });
    }
    let connection = dialer.connection_id().ok_or_else(stopped)?;

    let mut handles: BTreeMap<DocumentId, DocHandle> = BTreeMap::new();
    let mut notices: Vec<(DocumentId, futures::stream::BoxStream<'static, Vec<u8>>)> = Vec::new();
    let mut asked = BTreeSet::new();
    let mut wave = BTreeSet::from([peer.negotiation]);
    while !wave.is_empty() {
        progress(&format!("syncing {} document(s)", wave.len()));
        asked.extend(wave.iter().copied());
        for id in &wave {
            storage.register(*id, peer.negotiation);
            // `None`: neither side holds it (a participant's document before its first write).
            if let Some(handle) = within("find a document", repo.find(to_samod(*id))).await?.map_err(|_| stopped())? {
                notices.push((*id, handle.ephemera().boxed()));
                handles.insert(*id, handle);
            }
        }
        let found: Vec<&DocHandle> = wave.iter().filter_map(|id| handles.get(id)).collect();
        for handle in &found {
            within("send its changes", handle.we_have_their_changes(connection)).await?;
        }
        // Holding all the server has of this wave, the negotiation says who may write what.
        let negotiation = negotiation_of(peer.negotiation, &handles)?;
        for id in &wave {
            let Some(handle) = handles.get(id) else { continue };
            if negotiation.may_write(&peer.participant, id)? {
                within("take our changes", handle.they_have_our_changes(connection)).await?;
            }
        }
        wave = negotiation.referenced_documents()?.into_iter().filter(|id| !asked.contains(id)).collect();
    }
    let mut report = report(peer, &handles, before, connection)?;
    report.refused = refusals(&mut notices);
    Ok(report)
}

/// What the server said it refused, from the ephemeral messages received so far.
fn refusals(notices: &mut [(DocumentId, futures::stream::BoxStream<'static, Vec<u8>>)]) -> Vec<(DocumentId, String)> {
    let mut refused = Vec::new();
    for (document, stream) in notices.iter_mut() {
        while let Some(Some(data)) = stream.next().now_or_never() {
            for (_, reason) in crate::session::read_refusals(&data).unwrap_or_default() {
                refused.push((*document, reason));
            }
        }
    }
    refused
}

fn report(
    peer: &Peer,
    handles: &BTreeMap<DocumentId, DocHandle>,
    before: &BTreeMap<DocumentId, Vec<ChangeHash>>,
    connection: ConnectionId,
) -> Result<SyncReport, SyncError> {
    let negotiation = negotiation_of(peer.negotiation, handles)?;
    let mut received = 0;
    let mut not_sent = Vec::new();
    for (id, handle) in handles {
        let since = before.get(id).cloned().unwrap_or_default();
        received += handle.with_document(|doc| doc.get_changes(&since).len());
        let heads = handle.with_document(|doc| doc.get_heads());
        let shared = handle.peers().0.get(&connection).and_then(|state| state.shared_heads.clone());
        if shared != Some(heads) && !negotiation.may_write(&peer.participant, id)? {
            not_sent.push(*id);
        }
    }
    Ok(SyncReport { peer: peer.clone(), documents: handles.len(), received, not_sent, refused: Vec::new() })
}

/// The negotiation as the handles hold it now.
fn negotiation_of(id: DocumentId, handles: &BTreeMap<DocumentId, DocHandle>) -> Result<Negotiation, SyncError> {
    let docs = handles.iter().map(|(id, handle)| (*id, handle.with_document(|doc| doc.clone()))).collect();
    if !handles.contains_key(&id) {
        return Err(SyncError::Protocol(format!("the server does not have negotiation {id}")));
    }
    Ok(Negotiation::from_documents(id, docs, "sync")?)
}

/// The heads of each document of the negotiation held locally before syncing.
fn local_heads(dir: &Path, negotiation: DocumentId) -> Result<BTreeMap<DocumentId, Vec<ChangeHash>>, SyncError> {
    let store = Store::open(dir)?;
    if !store.negotiation_ids()?.contains(&negotiation) {
        return Ok(BTreeMap::new());
    }
    let (local, _) = store.load(negotiation, "sync")?;
    Ok(local.documents().iter().map(|(id, doc)| (*id, doc.get_heads())).collect())
}

/// Asks the server who the token is.
async fn who_am_i(server: &str, token: &str) -> Result<Peer, SyncError> {
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(SyncError::BadUrl(server.to_string()));
    }
    let unreachable =
        |error: reqwest::Error| SyncError::Unreachable { url: server.to_string(), reason: error.to_string() };
    let response =
        reqwest::Client::new().get(format!("{server}/api/me")).bearer_auth(token).send().await.map_err(unreachable)?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(|e| SyncError::Protocol(e.to_string()))?;
    if !status.is_success() {
        let error = body.get("error").and_then(|e| e.as_str()).unwrap_or("no reason given");
        return Err(SyncError::Refused(format!("{status}: {error}")));
    }
    let field = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let (Some(negotiation), Some(participant)) = (field("negotiation"), field("participant")) else {
        return Err(SyncError::Protocol(format!("/api/me lacks negotiation or participant: {body}")));
    };
    let negotiation = negotiation.parse().map_err(|e: accord_core::Error| SyncError::Protocol(e.to_string()))?;
    let participant: ParticipantCode =
        participant.parse().map_err(|e: accord_core::Error| SyncError::Protocol(e.to_string()))?;
    Ok(Peer { negotiation, participant })
}

/// `ws(s)://HOST/sync?token=T` for `http(s)://HOST`.
fn sync_url(server: &str, token: &str) -> Result<samod::Url, SyncError> {
    let ws = server.replacen("http", "ws", 1);
    let mut url = samod::Url::parse(&format!("{ws}/sync")).map_err(|_| SyncError::BadUrl(server.to_string()))?;
    url.query_pairs_mut().append_pair("token", token);
    Ok(url)
}

fn stopped() -> SyncError {
    SyncError::Protocol("the sync client stopped".into())
}

async fn within<T>(what: &str, work: impl Future<Output = T>) -> Result<T, SyncError> {
    tokio::time::timeout(STEP_TIMEOUT, work).await.map_err(|_| SyncError::Timeout(what.to_string()))
}

/// Opens the WebSocket with tokio-tungstenite (samod's own dialer would pull in native TLS).
struct TokenDialer {
    url: samod::Url,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DialFailed(String);

impl Dialer for TokenDialer {
    type Error = DialFailed;

    fn url(&self) -> samod::Url {
        let mut shown = self.url.clone();
        shown.set_query(None);
        shown
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<DialFailed>>> {
        let url = self.url.to_string();
        Box::pin(async move {
            let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .map_err(|error| DialError::PermanentFailure(DialFailed(error.to_string())))?;
            let (sink, stream) = socket.split();
            let incoming = stream.filter_map(|message| async move {
                match message {
                    Ok(Message::Binary(bytes)) => Some(Ok(bytes.to_vec())),
                    Ok(_) => None,
                    Err(error) => Some(Err(error)),
                }
            });
            let outgoing = sink.with(|bytes: Vec<u8>| async move {
                Ok::<_, tokio_tungstenite::tungstenite::Error>(Message::Binary(bytes.into()))
            });
            Ok(Transport::new(Box::pin(incoming), Box::pin(outgoing)))
        })
    }
}

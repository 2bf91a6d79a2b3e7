//! The hub: the store, the negotiations loaded from it, and their live
//! channels, behind one lock. Every write goes through [`Hub::write`] (or,
//! for changes a sync peer sends, [`Hub::admit`], through the core's gate):
//! the core applies it (or refuses, changing nothing), the store makes it
//! durable, and only then is it answered and announced: on the live socket,
//! and as a [`Changed`] event for whoever listens (the sync endpoint). The
//! hub does not know who listens.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use accord_core::automerge::Change;
use accord_core::gate::Admission;
use accord_core::{Attribution, DocumentId, Negotiation, ParticipantCode, ProposalId, Timestamp};
use accord_store::{Grant, Persisted, Store};
use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, watch};

use crate::error::ApiError;
use crate::served_view::ServedView;

/// How many live messages a slow subscriber may lag behind before it misses some.
const LIVE_BACKLOG: usize = 256;
/// How many change events a slow listener may lag behind before it misses some.
const EVENT_BACKLOG: usize = 1024;

/// Documents of a negotiation that changed, once stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Changed {
    /// The negotiation.
    pub negotiation: DocumentId,
    /// Its documents that changed.
    pub documents: Vec<DocumentId>,
}

/// The store and the negotiations in memory.
pub struct Hub {
    store: Store,
    replica: String,
    loaded: HashMap<DocumentId, Loaded>,
    events: broadcast::Sender<Changed>,
    /// How many views were built: `/api/health` shows it, tests check it.
    views_built: Arc<AtomicU64>,
}

struct Loaded {
    negotiation: Negotiation,
    persisted: Persisted,
    /// Live messages, shared by every subscriber without copying.
    live: broadcast::Sender<Utf8Bytes>,
    /// Open live sockets per participant: who is here now.
    present: BTreeMap<ParticipantCode, usize>,
    /// How many times the negotiation changed since it was loaded: `changed`
    /// messages and write answers carry it, so a browser can tell which is
    /// newer; sync caches access decisions by it.
    seq: watch::Sender<u64>,
    /// The view at the current `seq`, once someone asked for it.
    view: Option<ServedView>,
}

impl Hub {
    /// A hub over an open store; `replica` names this server as a writer.
    pub fn new(store: Store, replica: String) -> Hub {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        Hub { store, replica, loaded: HashMap::new(), events, views_built: Arc::default() }
    }

    /// The count of views built so far, readable without the hub's lock.
    pub fn views_built(&self) -> Arc<AtomicU64> {
        self.views_built.clone()
    }

    /// The negotiation's view at its current version: built at most once per
    /// change, then shared (ARCHITECTURE.md, invariant 11).
    pub fn view(&mut self, id: DocumentId) -> Result<ServedView, ApiError> {
        let built = self.views_built.clone();
        let entry = self.loaded(id)?;
        served_view(entry, &built)
    }

    /// Every stored change from now on, as [`Changed`] events.
    pub fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.events.subscribe()
    }

    /// Drops every negotiation held in memory (after a panic under the
    /// lock): they are read again from disk on next use.
    pub(crate) fn forget_all(&mut self) {
        self.loaded.clear();
    }

    /// Who `token` signs in.
    pub fn grant(&self, token: &str) -> Result<Option<Grant>, ApiError> {
        Ok(self.store.grant(token, now())?)
    }

    /// How many changes the negotiation in memory has had since it was loaded (see
    /// `changed` messages); read as is, without bringing in other writers' changes.
    pub fn change_count(&self, id: DocumentId) -> u64 {
        self.loaded.get(&id).map(|entry| *entry.seq.borrow()).unwrap_or(0)
    }

    /// The negotiation a stored document belongs to (`None`: not stored yet).
    pub fn stored_negotiation(&self, document: DocumentId) -> Result<Option<DocumentId>, ApiError> {
        Ok(self.store.negotiation_of(document)?)
    }

    /// Reads a negotiation.
    pub fn read<T>(
        &mut self,
        id: DocumentId,
        read: impl FnOnce(&Negotiation) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        read(&self.loaded(id)?.negotiation)
    }

    /// Applies a write as `who`, makes it durable, announces it, and returns
    /// what `write` returned. A refused write changes nothing; a write that
    /// cannot be stored is dropped from memory too (the negotiation is
    /// reloaded from disk on next use) and answered 500.
    pub fn write<T>(
        &mut self,
        id: DocumentId,
        who: &ParticipantCode,
        write: impl FnOnce(&mut Negotiation, &Attribution) -> Result<T, accord_core::Error>,
    ) -> Result<T, ApiError> {
        let by = Attribution::new(who.clone(), now());
        let Hub { store, loaded, replica, events, views_built } = self;
        let entry = load_into(loaded, store, replica, events, views_built, id)?;
        let value = write(&mut entry.negotiation, &by)?;
        match store.save(&mut entry.negotiation, &mut entry.persisted) {
            Ok(saved) => changed(entry, events, views_built, Some(who), &saved),
            Err(error) => {
                loaded.remove(&id);
                return Err(error.into());
            }
        }
        Ok(value)
    }

    /// Offers changes `peer` made to `document` on its own replica (sync):
    /// the core's gate accepts or refuses each; the accepted ones are stored,
    /// then announced, before this returns.
    pub fn admit(
        &mut self,
        id: DocumentId,
        peer: &ParticipantCode,
        document: DocumentId,
        changes: Vec<Change>,
    ) -> Result<Admission, ApiError> {
        let Hub { store, loaded, replica, events, views_built } = self;
        let entry = load_into(loaded, store, replica, events, views_built, id)?;
        let admission = entry.negotiation.admit(document, peer, changes)?;
        if admission.accepted.is_empty() {
            return Ok(admission);
        }
        match store.save(&mut entry.negotiation, &mut entry.persisted) {
            Ok(saved) => changed(entry, events, views_built, Some(peer), &saved),
            Err(error) => {
                loaded.remove(&id);
                return Err(error.into());
            }
        }
        Ok(admission)
    }

    /// Subscribes `who` to a negotiation's live messages, tells everyone who
    /// is present now if `who` just arrived, and returns the view to start from: taken under the
    /// same lock as the subscription, so no change falls between the two. Also returns the
    /// channel's sender, to relay what clients say (where their cursor is).
    pub fn join(
        &mut self,
        id: DocumentId,
        who: &ParticipantCode,
    ) -> Result<(broadcast::Receiver<Utf8Bytes>, broadcast::Sender<Utf8Bytes>, ServedView), ApiError> {
        let built = self.views_built.clone();
        let entry = self.loaded(id)?;
        let view = served_view(entry, &built)?;
        let receiver = entry.live.subscribe();
        let sockets = entry.present.entry(who.clone()).or_default();
        *sockets += 1;
        if *sockets == 1 {
            announce_presence(entry);
        }
        Ok((receiver, entry.live.clone(), view))
    }

    /// Ends one live socket of `who`.
    pub fn leave(&mut self, id: DocumentId, who: &ParticipantCode) {
        let Some(entry) = self.loaded.get_mut(&id) else { return };
        if let Some(count) = entry.present.get_mut(who) {
            *count -= 1;
            if *count == 0 {
                entry.present.remove(who);
                announce_presence(entry);
            }
        }
    }

    /// Brings in what other processes stored for a negotiation in memory
    /// and announces it; a negotiation not in memory will be read whole
    /// when first used.
    pub fn refresh(&mut self, id: DocumentId) {
        if self.loaded.contains_key(&id)
            && let Err(error) = self.loaded(id)
        {
            tracing::error!(?error, negotiation = %id, "could not bring in stored changes");
        }
    }

    /// How many times the negotiation changed since it was loaded (loading it if needed).
    pub fn seq(&mut self, id: DocumentId) -> Result<u64, ApiError> {
        Ok(*self.loaded(id)?.seq.borrow())
    }

    fn loaded(&mut self, id: DocumentId) -> Result<&mut Loaded, ApiError> {
        let Hub { store, loaded, replica, events, views_built } = self;
        load_into(loaded, store, replica, events, views_built, id)
    }
}

fn load_into<'a>(
    loaded: &'a mut HashMap<DocumentId, Loaded>,
    store: &Store,
    replica: &str,
    events: &broadcast::Sender<Changed>,
    built: &AtomicU64,
    id: DocumentId,
) -> Result<&'a mut Loaded, ApiError> {
    match loaded.entry(id) {
        Entry::Occupied(entry) => {
            let entry = entry.into_mut();
            let refreshed = store.refresh(&mut entry.negotiation, &mut entry.persisted)?;
            changed(entry, events, built, None, &refreshed);
            Ok(entry)
        }
        Entry::Vacant(entry) => {
            if !store.negotiation_ids()?.contains(&id) {
                return Err(ApiError::not_found(format!("no negotiation {id}")));
            }
            let (negotiation, persisted) = store.load(id, replica)?;
            let (live, _) = broadcast::channel(LIVE_BACKLOG);
            let seq = watch::Sender::new(0);
            Ok(entry.insert(Loaded { negotiation, persisted, live, present: BTreeMap::new(), seq, view: None }))
        }
    }
}

/// The entry's view at its version, built if no one asked since the last change.
fn served_view(entry: &mut Loaded, built: &AtomicU64) -> Result<ServedView, ApiError> {
    if let Some(view) = &entry.view {
        return Ok(view.clone());
    }
    let view = ServedView::build(&entry.negotiation)?;
    built.fetch_add(1, Ordering::Relaxed);
    entry.view = Some(view.clone());
    Ok(view)
}

/// Passes on documents that changed (once stored): as an event, and to live subscribers.
fn changed(
    entry: &mut Loaded,
    events: &broadcast::Sender<Changed>,
    built: &AtomicU64,
    who: Option<&ParticipantCode>,
    documents: &[DocumentId],
) {
    if documents.is_empty() {
        return;
    }
    entry.seq.send_modify(|seq| *seq += 1);
    let before = entry.view.take();
    let _ = events.send(Changed { negotiation: entry.negotiation.id(), documents: documents.to_vec() });
    announce(entry, built, before, who, documents);
}

/// Tells live subscribers which documents changed (none listening, or
/// nothing changed, is fine); `who` is `None` for changes another process
/// wrote to the store. Proposals that changed come with their text and
/// heads, so co-editors see each other's words at once, and the message
/// carries a `patch` from the view before (`before`) to the new one: the
/// sections and proposals that changed, so clients update without fetching
/// the view (ARCHITECTURE.md, "Live socket"). The new view is built once,
/// here, and shared with later requests; with no view before (no one asked
/// for it since the negotiation was loaded), the patch is null and clients
/// fetch the view.
fn announce(
    entry: &mut Loaded,
    built: &AtomicU64,
    before: Option<ServedView>,
    who: Option<&ParticipantCode>,
    changed: &[DocumentId],
) {
    if entry.live.receiver_count() == 0 || changed.is_empty() {
        return;
    }
    let proposals: Vec<serde_json::Value> = changed
        .iter()
        .filter_map(|doc| {
            let id = ProposalId(*doc);
            let (text, heads) = entry.negotiation.proposal_text(&id).ok()?;
            let heads: Vec<String> = heads.iter().map(ToString::to_string).collect();
            Some(serde_json::json!({ "id": id, "text": text, "heads": heads }))
        })
        .collect();
    // With the documents' records memoised, the new view costs what changed
    // (BENCHMARKS.md, "A meeting's load"), so every change carries a patch,
    // text edits too: the pages follow the meeting without fetching.
    let patch = before.and_then(|before| served_view(entry, built).and_then(|now| now.patch_since(&before)).ok());
    let seq = *entry.seq.borrow();
    let message = serde_json::json!({ "type": "changed", "seq": seq, "by": who, "documents": changed, "proposals": proposals, "patch": patch });
    let _ = entry.live.send(Utf8Bytes::from(message.to_string()));
}

fn announce_presence(entry: &Loaded) {
    let present: Vec<&ParticipantCode> = entry.present.keys().collect();
    let message = serde_json::json!({ "type": "presence", "present": present });
    let _ = entry.live.send(Utf8Bytes::from(message.to_string()));
}

/// The current time for attributions.
pub fn now() -> Timestamp {
    let millis = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use accord_core::{StanceKind, fixture};

    use super::*;

    /// The fixture in a fresh store, a hub on it, and the store's directory.
    fn hub(name: &str) -> (Hub, DocumentId, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("accord-hub-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = Store::open(&dir).expect("store");
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        store.save(&mut negotiation, &mut Persisted::default()).expect("save");
        (Hub::new(store, "test".into()), negotiation.id(), dir)
    }

    /// Makes every append to the store fail, as a full disk would, from another connection.
    fn break_store(dir: &std::path::Path, broken: bool) {
        let conn = rusqlite::Connection::open(dir.join(accord_store::DATABASE)).expect("open");
        let sql = match broken {
            true => "CREATE TRIGGER broken BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            false => "DROP TRIGGER broken;",
        };
        conn.execute_batch(sql).expect("trigger");
    }

    fn itu_reason(hub: &mut Hub, id: DocumentId) -> Option<String> {
        let view = hub.read(id, |n| Ok(n.view()?)).expect("view");
        let itu: ParticipantCode = "ITU".parse().expect("code");
        view.sections[3].proposals[2].stances.get(&itu).map(|s| s.reason.clone())
    }

    fn support(hub: &mut Hub, id: DocumentId, reason: &str) -> Result<(), ApiError> {
        let itu: ParticipantCode = "ITU".parse().expect("code");
        let alt = hub.read(id, |n| Ok(n.view()?.sections[3].proposals[2].id)).expect("alt");
        hub.write(id, &itu, |n, by| n.record_stance(&alt, StanceKind::Support, reason, by))
    }

    #[test]
    fn a_write_the_store_cannot_keep_is_answered_500_and_forgotten_in_memory_too() {
        let (mut hub, id, dir) = hub("write-fails");
        let mut events = hub.subscribe();
        support(&mut hub, id, "kept").expect("a write that is stored");
        assert!(events.try_recv().is_ok(), "announced");
        break_store(&dir, true);
        let error = support(&mut hub, id, "lost").expect_err("the store refuses the append");
        assert_eq!(error.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(error.message().contains("it was not applied"), "{}", error.message());
        assert!(events.try_recv().is_err(), "a write that was not stored is not announced");
        break_store(&dir, false);
        assert_eq!(itu_reason(&mut hub, id).as_deref(), Some("kept"), "memory holds only what the store holds");
        support(&mut hub, id, "after").expect("the next write is stored");
        let (reloaded, _) = Store::open(&dir).expect("open").load(id, "check").expect("load");
        let itu: ParticipantCode = "ITU".parse().expect("code");
        let stored = reloaded.view().expect("view").sections[3].proposals[2].stances[&itu].reason.clone();
        assert_eq!(stored, "after");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn changes_from_a_peer_the_store_cannot_keep_are_refused_and_forgotten() {
        let (mut hub, id, dir) = hub("admit-fails");
        let itu: ParticipantCode = "ITU".parse().expect("code");
        let own = accord_core::participant_document_id(id, &itu);
        let (mut peer, alt) =
            hub.read(id, |n| Ok((n.clone_without_memo(), n.view()?.sections[3].proposals[2].id))).expect("replica");
        let before = peer.documents()[&own].get_heads();
        peer.record_stance(&alt, StanceKind::Object, "from the peer", &Attribution::new(itu.clone(), now()))
            .expect("on the peer");
        let changes: Vec<Change> = peer.documents()[&own].get_changes(&before);
        assert_eq!(changes.len(), 1, "the peer's change exists");
        break_store(&dir, true);
        let error = hub.admit(id, &itu, own, changes.clone()).expect_err("not stored");
        assert!(error.message().contains("it was not applied"), "{}", error.message());
        break_store(&dir, false);
        assert_ne!(itu_reason(&mut hub, id).as_deref(), Some("from the peer"), "not applied in memory");
        let admission = hub.admit(id, &itu, own, changes).expect("stored once the store works");
        assert_eq!(admission.accepted.len(), 1, "{admission:?}");
        assert_eq!(itu_reason(&mut hub, id).as_deref(), Some("from the peer"));
        let _ = std::fs::remove_dir_all(dir);
    }
}

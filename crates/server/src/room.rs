//! A room: one negotiation in memory, with its own store connection and its
//! own lock, so two meetings never wait for each other's work (ARCHITECTURE.md,
//! invariant 12). Every write goes through [`Room::write`] (or, for changes a
//! sync peer sends, [`Room::admit`], through the core's gate): the core
//! applies it (or refuses, changing nothing), the store makes it durable, and
//! only then is it answered and announced: on the live socket, and as a
//! [`Changed`] event for whoever listens (the sync endpoint). The room does
//! not know who listens.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use accord_core::automerge::Change;
use accord_core::gate::Admission;
use accord_core::{Attribution, DistancesAhead, DocumentId, Negotiation, ParticipantCode, ProposalId, Timestamp};
use accord_store::{Persisted, Store};
use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, watch};

use crate::error::ApiError;
use crate::served_view::ServedView;
use crate::text_change::AnnouncedTexts;

/// How many live messages a slow subscriber may lag behind before it misses some.
const LIVE_BACKLOG: usize = 256;

/// How long the negotiation must stay unchanged before live clients get a patch: a burst of
/// typing makes one view and one patch, not one per keystroke batch.
const PATCH_WHEN_QUIET: Duration = Duration::from_millis(100);

/// The longest a change waits for its patch while others keep coming (someone typing on).
const PATCH_AT_MOST: Duration = Duration::from_millis(500);

/// Documents of a negotiation that changed, once stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Changed {
    /// The negotiation.
    pub negotiation: DocumentId,
    /// Its documents that changed.
    pub documents: Vec<DocumentId>,
}

/// One negotiation: loaded from its own store connection on first use.
pub struct Room {
    id: DocumentId,
    store: Store,
    replica: String,
    events: broadcast::Sender<Changed>,
    /// Shared by every room: `/api/health` shows it, tests check it.
    views_built: Arc<AtomicU64>,
    /// Open live sockets per participant: who is here now (kept when the
    /// negotiation is dropped from memory and read again).
    present: BTreeMap<ParticipantCode, usize>,
    /// Live messages, shared by every subscriber without copying.
    live: broadcast::Sender<Utf8Bytes>,
    /// How many times the negotiation changed since the room opened: `changed`
    /// messages and write answers carry it, so a browser can tell which is
    /// newer; sync caches access decisions by it.
    seq: watch::Sender<u64>,
    /// The version every live client holds: the one patches start from
    /// (`None`: no client is connected).
    patched: Option<ServedView>,
    /// What changed since `patched`, for the next patch (`None`: nothing).
    pending: Option<Pending>,
    /// Whether a patch is already due (see [`Room::patch_wanted`]).
    patch_due: bool,
    /// What `changed` messages said of each proposal's text: the next says what differs.
    texts: AnnouncedTexts,
    /// The time up to which procedures' outcomes are recorded (see [`Room::settle`]).
    settled_through: Timestamp,
    /// The time a settling is scheduled for, if one is.
    settle_at: Option<Timestamp>,
    loaded: Option<Loaded>,
}

/// Documents changed since the version live clients hold, and when the first and the last
/// of those changes were announced (see [`Room::patch_due_at`]).
struct Pending {
    documents: BTreeSet<DocumentId>,
    first: Instant,
    last: Instant,
}

struct Loaded {
    negotiation: Negotiation,
    persisted: Persisted,
    /// The view at the current `seq`, once someone asked for it.
    view: Option<ServedView>,
}

impl Room {
    /// A room for negotiation `id` on its own connection `store`.
    pub fn new(
        id: DocumentId,
        store: Store,
        replica: String,
        events: broadcast::Sender<Changed>,
        views_built: Arc<AtomicU64>,
    ) -> Room {
        let (live, _) = broadcast::channel(LIVE_BACKLOG);
        let (seq, present) = (watch::Sender::new(0), BTreeMap::new());
        let (patched, pending, patch_due) = (None, None, false);
        let (settled_through, settle_at, loaded) = (Timestamp(i64::MIN), None, None);
        Room {
            id,
            store,
            replica,
            events,
            views_built,
            present,
            live,
            seq,
            patched,
            pending,
            patch_due,
            texts: AnnouncedTexts::default(),
            settled_through,
            settle_at,
            loaded,
        }
    }

    /// The negotiation's view at its current version: built at most once per
    /// change, then shared (ARCHITECTURE.md, invariant 11).
    pub fn view(&mut self) -> Result<ServedView, ApiError> {
        self.bring_in()?;
        self.served_view()
    }

    /// Drops the negotiation held in memory (after a panic under the lock):
    /// it is read again from disk on next use.
    pub(crate) fn forget(&mut self) {
        self.loaded = None;
    }

    /// How many changes the negotiation had since the room opened, as held
    /// (without bringing in other writers' changes).
    pub fn change_count(&self) -> u64 {
        *self.seq.borrow()
    }

    /// How many changes the negotiation had since the room opened, with what other processes stored.
    pub fn seq(&mut self) -> Result<u64, ApiError> {
        self.bring_in()?;
        Ok(self.change_count())
    }

    /// Reads the negotiation.
    pub fn read<T>(&mut self, read: impl FnOnce(&Negotiation) -> Result<T, ApiError>) -> Result<T, ApiError> {
        read(&self.bring_in()?.negotiation)
    }

    /// Applies a write as `who`, makes it durable, announces it, and returns
    /// what `write` returned. A refused write changes nothing; a write that
    /// cannot be stored is dropped from memory too (the negotiation is
    /// reloaded from disk on next use) and answered 500.
    pub fn write<T>(
        &mut self,
        who: &ParticipantCode,
        write: impl FnOnce(&mut Negotiation, &Attribution) -> Result<T, accord_core::Error>,
    ) -> Result<T, ApiError> {
        let by = Attribution::new(who.clone(), now());
        let value = write(&mut self.bring_in()?.negotiation, &by)?;
        let stored = self.store_and_announce(Some(who))?;
        self.settle_after(&stored)?;
        Ok(value)
    }

    /// Records what procedures came to by now (a silence that held, an acceptance ad
    /// referendum confirmed or lapsed, an adoption voided), as changes stored and announced
    /// like any other; called when a procedure's time comes and when the room opens.
    pub fn settle(&mut self) -> Result<(), ApiError> {
        let now = now();
        self.settle_at = self.settle_at.filter(|at| *at > now);
        let loaded = self.bring_in()?;
        let recorded = loaded.negotiation.settle(now)?;
        self.settled_through = now;
        if !recorded.is_empty() {
            tracing::info!(negotiation = %self.id, ?recorded, "procedures settled");
            self.store_and_announce(None)?;
        }
        Ok(())
    }

    /// The time the next settling should run at, once per time (the caller schedules
    /// [`Room::settle`]): the next time a procedure recorded in the documents may end.
    pub fn settle_wanted(&mut self) -> Option<Timestamp> {
        let times = self.loaded.as_ref()?.negotiation.procedure_times().ok()?;
        let next = times.into_iter().find(|time| *time > self.settled_through)?;
        let wanted = self.settle_at.is_none_or(|at| next < at);
        wanted.then(|| *self.settle_at.insert(next))
    }

    /// After a change to stances (a participant's document), an objection may have voided
    /// an adoption agreed ad referendum: record it at once, while one may be pending.
    fn settle_after(&mut self, stored: &[DocumentId]) -> Result<(), ApiError> {
        let Some(loaded) = self.loaded.as_ref() else { return Ok(()) };
        let n = &loaded.negotiation;
        // Cheap first (the negotiation document's record), so typing costs no role lookups.
        if n.procedure_times()?.is_empty() {
            return Ok(());
        }
        let stances_changed = stored.iter().any(|id| {
            matches!(n.document_role(id), Ok(Some(accord_core::authorization::DocumentRole::Participant(_))))
        });
        if stances_changed { self.settle() } else { Ok(()) }
    }

    /// Offers changes `peer` made to `document` on its own replica (sync):
    /// the core's gate accepts or refuses each; the accepted ones are stored,
    /// then announced, before this returns.
    pub fn admit(
        &mut self,
        peer: &ParticipantCode,
        document: DocumentId,
        changes: Vec<Change>,
    ) -> Result<Admission, ApiError> {
        let admission = self.bring_in()?.negotiation.admit(document, peer, changes)?;
        if !admission.accepted.is_empty() {
            let stored = self.store_and_announce(Some(peer))?;
            self.settle_after(&stored)?;
        }
        Ok(admission)
    }

    /// Subscribes `who` to the live messages, tells everyone who is present
    /// now if `who` just arrived, and returns the view to start from: taken
    /// under the same lock as the subscription, so no change falls between
    /// the two. Also returns the channel's sender, to relay what clients say
    /// (where their cursor is).
    pub fn join(
        &mut self,
        who: &ParticipantCode,
    ) -> Result<(broadcast::Receiver<Utf8Bytes>, broadcast::Sender<Utf8Bytes>, ServedView), ApiError> {
        self.bring_in()?;
        // Those already here get the changes not yet patched, so all hold one version.
        self.send_patch();
        let view = self.served_view()?;
        self.patched = Some(view.clone());
        let receiver = self.live.subscribe();
        let sockets = self.present.entry(who.clone()).or_default();
        *sockets += 1;
        if *sockets == 1 {
            self.announce_presence();
        }
        Ok((receiver, self.live.clone(), view))
    }

    /// Whether a patch should be sent once due, for changes announced since the last one;
    /// true once per patch (the caller waits for [`Room::patch_due_at`], then calls
    /// [`Room::send_patch`]).
    pub fn patch_wanted(&mut self) -> bool {
        let wanted = !self.patch_due && self.pending.is_some() && self.patched.is_some();
        self.patch_due |= wanted;
        wanted
    }

    /// When the next patch is due: [`PATCH_WHEN_QUIET`] after the last change announced, at
    /// most [`PATCH_AT_MOST`] after the first (`None`: no change waits for one).
    pub fn patch_due_at(&self) -> Option<Instant> {
        self.pending.as_ref().map(|pending| patch_due(pending.first, pending.last))
    }

    /// The text distances the next patch's view will need, to compute off the room's lock
    /// before [`Room::send_patch`], so that edits meanwhile do not wait for them (they were
    /// nine tenths of building a patch's view after typing). `None`: no patch is due.
    pub fn patch_distances(&self) -> Option<DistancesAhead> {
        let (before, loaded) = (self.patched.as_ref()?, self.loaded.as_ref()?);
        let changed: Vec<DocumentId> = self.pending.as_ref()?.documents.iter().copied().collect();
        Some(loaded.negotiation.distances_ahead(&before.view, &changed))
    }

    /// Sends live clients a `patch` message from the version they hold to the current one
    /// (ARCHITECTURE.md, "Live socket"); if it cannot be built, a `lagged` message, so they
    /// fetch the view.
    pub fn send_patch(&mut self) {
        self.patch_due = false;
        let Some(pending) = self.pending.take() else { return };
        let changed: Vec<DocumentId> = pending.documents.into_iter().collect();
        let Some(before) = self.patched.take() else { return };
        let patch = self.served_view_after(Some((&before, &changed))).and_then(|now| {
            let patch = now.patch_since(&before)?;
            self.patched = Some(now);
            Ok(patch)
        });
        let message = match patch {
            Ok(patch) => serde_json::json!({ "type": "patch", "seq": self.change_count(), "patch": patch }),
            Err(error) => {
                tracing::error!(error = error.message(), negotiation = %self.id, "could not build a live patch");
                serde_json::json!({ "type": "lagged" })
            }
        };
        let _ = self.live.send(Utf8Bytes::from(message.to_string()));
    }

    /// Ends one live socket of `who`.
    pub fn leave(&mut self, who: &ParticipantCode) {
        if let Some(count) = self.present.get_mut(who) {
            *count -= 1;
            if *count == 0 {
                self.present.remove(who);
                self.announce_presence();
            }
        }
    }

    /// The negotiation in memory with what other processes stored since, read whole on first use.
    fn bring_in(&mut self) -> Result<&mut Loaded, ApiError> {
        if self.loaded.is_some() {
            let loaded = self.loaded.as_mut().expect("just checked");
            let refreshed = self.store.refresh(&mut loaded.negotiation, &mut loaded.persisted)?;
            self.changed(None, &refreshed);
        } else {
            if !self.store.negotiation_ids()?.contains(&self.id) {
                return Err(ApiError::not_found(format!("no negotiation {}", self.id)));
            }
            let (negotiation, persisted) = self.store.load(self.id, &self.replica)?;
            self.loaded = Some(Loaded { negotiation, persisted, view: None });
            self.settle()?;
        }
        Ok(self.loaded.as_mut().expect("loaded above"))
    }

    /// Stores what a write changed in memory, then announces it; if it cannot
    /// be stored, memory is dropped so that only what the store holds is served.
    /// Returns the documents stored.
    fn store_and_announce(&mut self, who: Option<&ParticipantCode>) -> Result<Vec<DocumentId>, ApiError> {
        let Some(loaded) = self.loaded.as_mut() else { return Ok(Vec::new()) };
        match self.store.save(&mut loaded.negotiation, &mut loaded.persisted) {
            Ok(saved) => {
                self.changed(who, &saved);
                Ok(saved)
            }
            Err(error) => {
                self.loaded = None;
                Err(error.into())
            }
        }
    }

    /// The view at the current version, built if no one asked since the last change: from
    /// `after`, the version before the change and the documents it changed, where given.
    fn served_view_after(&mut self, after: Option<(&ServedView, &[DocumentId])>) -> Result<ServedView, ApiError> {
        let Some(loaded) = self.loaded.as_mut() else {
            return Err(ApiError::internal(&"the negotiation is not loaded"));
        };
        if let Some(view) = &loaded.view {
            return Ok(view.clone());
        }
        let view = match after {
            Some((before, changed)) => ServedView::build_after(&loaded.negotiation, now(), before, changed)?,
            None => ServedView::build(&loaded.negotiation, now())?,
        };
        self.views_built.fetch_add(1, Ordering::Relaxed);
        loaded.view = Some(view.clone());
        Ok(view)
    }

    fn served_view(&mut self) -> Result<ServedView, ApiError> {
        self.served_view_after(None)
    }

    /// Passes on documents that changed (once stored): as an event, and to live subscribers.
    fn changed(&mut self, who: Option<&ParticipantCode>, documents: &[DocumentId]) {
        if documents.is_empty() {
            return;
        }
        self.seq.send_modify(|seq| *seq += 1);
        if let Some(loaded) = self.loaded.as_mut() {
            loaded.view = None;
        }
        let _ = self.events.send(Changed { negotiation: self.id, documents: documents.to_vec() });
        self.announce(who, documents);
    }

    /// Tells live subscribers which documents changed, at once: `who` (`None`
    /// for changes another process wrote to the store) and how the changed
    /// proposals' texts changed, with their heads (see [`AnnouncedTexts`]), so
    /// co-editors see each other's words as they come. What the change does to
    /// the view follows in a `patch` message after a pause (see
    /// [`Room::patch_wanted`]): one view built and one patch sent for a burst
    /// of typing, not one per keystroke batch. With no one listening nothing is
    /// kept.
    fn announce(&mut self, who: Option<&ParticipantCode>, changed: &[DocumentId]) {
        if self.live.receiver_count() == 0 {
            self.patched = None;
            self.pending = None;
            self.texts.forget();
            return;
        }
        let now = Instant::now();
        let pending = self.pending.get_or_insert_with(|| Pending { documents: BTreeSet::new(), first: now, last: now });
        pending.documents.extend(changed.iter().copied());
        pending.last = now;
        let Some(loaded) = self.loaded.as_ref() else { return };
        let mut proposals = Vec::new();
        for id in changed.iter().map(|doc| ProposalId(*doc)) {
            let Ok((text, heads)) = loaded.negotiation.proposal_text(&id) else { continue };
            proposals.push(self.texts.announce(id, text, heads));
        }
        let seq = self.change_count();
        let message = serde_json::json!({ "type": "changed", "seq": seq, "by": who, "documents": changed, "proposals": proposals });
        let _ = self.live.send(Utf8Bytes::from(message.to_string()));
    }

    fn announce_presence(&self) {
        let present: Vec<&ParticipantCode> = self.present.keys().collect();
        let message = serde_json::json!({ "type": "presence", "present": present });
        let _ = self.live.send(Utf8Bytes::from(message.to_string()));
    }
}

/// When a patch is due for changes announced from `first` to `last` (see [`Room::patch_due_at`]).
fn patch_due(first: Instant, last: Instant) -> Instant {
    (last + PATCH_WHEN_QUIET).min(first + PATCH_AT_MOST)
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

    /// The fixture in a fresh store, a room on it, its events, and the store's directory.
    fn room(name: &str) -> (Room, broadcast::Receiver<Changed>, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("accord-room-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = Store::open(&dir).expect("store");
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        store.save(&mut negotiation, &mut Persisted::default()).expect("save");
        let (events, receiver) = broadcast::channel(16);
        (Room::new(negotiation.id(), store, "test".into(), events, Arc::default()), receiver, dir)
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

    fn itu_reason(room: &mut Room) -> Option<String> {
        let view = room.read(|n| Ok(n.view()?)).expect("view");
        let itu: ParticipantCode = "ITU".parse().expect("code");
        view.sections[3].proposals[2].stances.get(&itu).map(|s| s.reason.clone())
    }

    fn support(room: &mut Room, reason: &str) -> Result<(), ApiError> {
        let itu: ParticipantCode = "ITU".parse().expect("code");
        let alt = room.read(|n| Ok(n.view()?.sections[3].proposals[2].id)).expect("alt");
        room.write(&itu, |n, by| n.record_stance(&alt, StanceKind::Support, reason, by))
    }

    #[test]
    fn a_write_that_changes_nothing_is_not_announced() {
        let (mut room, mut events, _dir) = room("no-change");
        let unsec: ParticipantCode = "UNSEC".parse().expect("code");
        let (alt1, text, heads) = room
            .read(|n| {
                let proposal = &n.view()?.sections[3].proposals[0];
                Ok((proposal.id, proposal.text.clone(), n.proposal_text(&proposal.id)?.1))
            })
            .expect("Alt 1");
        let count = room.change_count();
        let (kept, _) =
            room.write(&unsec, |n, by| n.edit_proposal_at(&alt1, &heads, &text, by)).expect("the same text");
        assert_eq!(kept, text, "the write was made");
        assert!(events.try_recv().is_err(), "nothing changed, nothing announced");
        assert_eq!(room.change_count(), count, "the version did not move");
        room.write(&unsec, |n, by| n.edit_proposal_at(&alt1, &heads, &format!("{text}!"), by)).expect("a change");
        assert!(events.try_recv().is_ok(), "a change is announced");
    }

    #[test]
    fn a_write_the_store_cannot_keep_is_answered_500_and_forgotten_in_memory_too() {
        let (mut room, mut events, dir) = room("write-fails");
        let id = room.id;
        support(&mut room, "kept").expect("a write that is stored");
        assert!(events.try_recv().is_ok(), "announced");
        break_store(&dir, true);
        let error = support(&mut room, "lost").expect_err("the store refuses the append");
        assert_eq!(error.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(error.message().contains("it was not applied"), "{}", error.message());
        assert!(events.try_recv().is_err(), "a write that was not stored is not announced");
        break_store(&dir, false);
        assert_eq!(itu_reason(&mut room).as_deref(), Some("kept"), "memory holds only what the store holds");
        support(&mut room, "after").expect("the next write is stored");
        let (reloaded, _) = Store::open(&dir).expect("open").load(id, "check").expect("load");
        let itu: ParticipantCode = "ITU".parse().expect("code");
        let stored = reloaded.view().expect("view").sections[3].proposals[2].stances[&itu].reason.clone();
        assert_eq!(stored, "after");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn changes_from_a_peer_the_store_cannot_keep_are_refused_and_forgotten() {
        let (mut room, _, dir) = room("admit-fails");
        let id = room.id;
        let itu: ParticipantCode = "ITU".parse().expect("code");
        let own = accord_core::participant_document_id(id, &itu);
        let (mut peer, alt) =
            room.read(|n| Ok((n.clone_without_memo(), n.view()?.sections[3].proposals[2].id))).expect("replica");
        let before = peer.documents()[&own].get_heads();
        peer.record_stance(&alt, StanceKind::Object, "from the peer", &Attribution::new(itu.clone(), now()))
            .expect("on the peer");
        let changes: Vec<Change> = peer.documents()[&own].get_changes(&before);
        assert_eq!(changes.len(), 1, "the peer's change exists");
        break_store(&dir, true);
        let error = room.admit(&itu, own, changes.clone()).expect_err("not stored");
        assert!(error.message().contains("it was not applied"), "{}", error.message());
        break_store(&dir, false);
        assert_ne!(itu_reason(&mut room).as_deref(), Some("from the peer"), "not applied in memory");
        let admission = room.admit(&itu, own, changes).expect("stored once the store works");
        assert_eq!(admission.accepted.len(), 1, "{admission:?}");
        assert_eq!(itu_reason(&mut room).as_deref(), Some("from the peer"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_patch_waits_for_a_quiet_moment_but_not_past_its_limit_after_the_first_change() {
        let first = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(patch_due(first, first), first + ms(100), "one change: patched when quiet");
        assert_eq!(patch_due(first, first + ms(250)), first + ms(350), "each change moves it on");
        assert_eq!(patch_due(first, first + ms(420)), first + ms(500), "typing on: patched anyway");
        assert_eq!(patch_due(first, first + ms(900)), first + ms(500));
    }
}

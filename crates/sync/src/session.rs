//! One peer's connection to the server's `/sync` endpoint, without I/O:
//! frames in, frames out (ARCHITECTURE.md, "Sync through the gate").
//!
//! The server keeps a served copy of each document (the negotiation's, in
//! step with every stored change) and, per connection and document, an
//! automerge sync state. A peer that may only read is synced against the
//! served copy with a read-only state, so it is never asked for changes. A
//! peer that may write is synced against a staging copy of its own: its
//! changes land there first, the ones the served copy lacks are offered to
//! the server (which passes them through the gate, stores the accepted ones
//! and only then relays them), and the refused ones stay in the staging copy
//! only, so the protocol sees them as received and does not send them again
//! in this connection. The peer is told what was refused and why, in an
//! ephemeral message (`accord/refused`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use accord_core::DocumentId;
use accord_core::automerge::sync::{Message, State, SyncDoc};
use accord_core::automerge::{Automerge, Change, ChangeHash};
use accord_core::gate::Admission;

use crate::Peer;
use crate::wire::WireMessage;

/// The server's peer id in the protocol.
pub const SERVER_PEER_ID: &str = "accord-server";

/// What a peer may do with one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentAccess {
    /// Neither see nor change it.
    Deny,
    /// Receive it.
    Read,
    /// Receive it and offer changes to it.
    ReadWrite,
}

/// The server, as a session needs it.
pub trait Served {
    /// What `peer` may do with `document` now.
    fn access(&self, peer: &Peer, document: DocumentId) -> DocumentAccess;
    /// The served copy of `document`, if the server holds it.
    fn copy(&self, peer: &Peer, document: DocumentId) -> Option<Arc<Mutex<Automerge>>>;
    /// Offers changes `peer` made to `document`: the accepted ones are
    /// stored and in the served copy before this returns.
    fn offer(&self, peer: &Peer, document: DocumentId, changes: Vec<Change>) -> Admission;
}

/// What the connection must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Send this frame.
    Send(Vec<u8>),
    /// Close the connection, for this reason.
    Close(String),
}

/// Numbers sessions, so each has its own ephemeral session id.
static SESSIONS: AtomicU64 = AtomicU64::new(0);

/// One connection's protocol state.
pub struct Session {
    peer: Peer,
    joined: bool,
    documents: HashMap<DocumentId, DocumentSync>,
    /// Changes the server refused in this connection (never offered again).
    refused: HashSet<ChangeHash>,
    ephemeral_session: String,
    ephemeral_count: u64,
}

/// One document synced with this peer.
struct DocumentSync {
    state: State,
    /// The peer's own copy of the document, for a peer that may write it.
    staging: Option<Automerge>,
}

impl Session {
    /// A connection pinned to `peer` (its token's participant).
    pub fn new(peer: Peer) -> Session {
        let number = SESSIONS.fetch_add(1, Ordering::Relaxed);
        Session {
            peer,
            joined: false,
            documents: HashMap::new(),
            refused: HashSet::new(),
            ephemeral_session: format!("{SERVER_PEER_ID}-{}-{number}", std::process::id()),
            ephemeral_count: 0,
        }
    }

    /// The documents this connection syncs.
    pub fn documents(&self) -> impl Iterator<Item = &DocumentId> {
        self.documents.keys()
    }

    /// How many changes this connection had refused.
    pub fn refused(&self) -> usize {
        self.refused.len()
    }

    /// Handles a frame from the peer.
    pub fn receive(&mut self, frame: &[u8], served: &impl Served) -> Vec<Output> {
        let message = match WireMessage::decode(frame) {
            Ok(message) => message,
            Err(error) => return fail(&error.to_string()),
        };
        match message {
            WireMessage::Join { sender, versions } => self.join(&sender, &versions),
            _ if !self.joined => fail("the first message must be join"),
            WireMessage::Request { document, sender, data } => self.sync(document, &sender, &data, true, served),
            WireMessage::Sync { document, sender, data, .. } => self.sync(document, &sender, &data, false, served),
            WireMessage::Leave => vec![Output::Close("the peer left".into())],
            WireMessage::Error { message } => vec![Output::Close(format!("the peer reported an error: {message}"))],
            WireMessage::Peer { .. } => fail("the server answers join with peer; a peer does not send it"),
            // Ephemeral messages from peers are not relayed; the rest needs no answer.
            WireMessage::Ephemeral { .. } | WireMessage::DocUnavailable { .. } | WireMessage::Other(_) => Vec::new(),
        }
    }

    /// Sends the peer what changed on the server in documents it syncs.
    pub fn changed(&mut self, documents: &[DocumentId], served: &impl Served) -> Vec<Output> {
        let mut out = Vec::new();
        for document in documents {
            let Some(copy) =
                self.documents.contains_key(document).then(|| served.copy(&self.peer, *document)).flatten()
            else {
                continue;
            };
            let copy = lock(&copy);
            let entry = self.documents.get_mut(document).expect("checked above");
            out.extend(reply(&self.peer, *document, entry, &copy));
        }
        out
    }

    fn join(&mut self, sender: &str, versions: &[String]) -> Vec<Output> {
        if self.joined {
            return fail("join was already sent");
        }
        if sender != self.peer.peer_id() {
            return fail(&format!(
                "this connection is {}'s: its token says so, so join as {}",
                self.peer.participant, self.peer
            ));
        }
        if !versions.iter().any(|v| v == "1") {
            return fail("the server speaks protocol version 1");
        }
        self.joined = true;
        vec![Output::Send(WireMessage::Peer { sender: SERVER_PEER_ID.into(), target: sender.into() }.encode())]
    }

    fn sync(
        &mut self,
        document: DocumentId,
        sender: &str,
        data: &[u8],
        request: bool,
        served: &impl Served,
    ) -> Vec<Output> {
        if sender != self.peer.peer_id() {
            return fail("a message must come from the peer that joined");
        }
        let message = match Message::decode(data) {
            Ok(message) => message,
            Err(error) => return fail(&format!("not an automerge sync message: {error}")),
        };
        let access = served.access(&self.peer, document);
        let copy = served.copy(&self.peer, document);
        let writes = access == DocumentAccess::ReadWrite;
        if access == DocumentAccess::Deny || (copy.is_none() && (request || !writes)) {
            self.documents.remove(&document);
            return vec![Output::Send(self.unavailable(document))];
        }
        let entry = entry_of(&mut self.documents, document, writes, copy.as_ref());
        let mut out = Vec::new();
        match (writes, &copy) {
            (true, _) => {
                let Some(staging) = entry.staging.as_mut() else { return fail("no staging copy") };
                if let Err(error) = staging.receive_sync_message(&mut entry.state, message) {
                    return fail(&format!("the sync message does not apply: {error}"));
                }
                let offered = offered(staging, copy.as_ref(), &self.refused);
                if !offered.is_empty() {
                    let admission = served.offer(&self.peer, document, offered);
                    out.extend(self.report(document, &admission));
                }
            }
            (false, Some(copy)) => {
                if let Err(error) = lock(copy).receive_sync_message(&mut entry.state, message) {
                    return fail(&format!("the sync message does not apply: {error}"));
                }
            }
            (false, None) => return vec![Output::Send(self.unavailable(document))],
        }
        let copy = served.copy(&self.peer, document);
        let entry = self.documents.get_mut(&document).expect("made above");
        match copy {
            Some(copy) => out.extend(reply(&self.peer, document, entry, &lock(&copy))),
            None => out.extend(reply(&self.peer, document, entry, &Automerge::new())),
        }
        out
    }

    /// Tells the peer which changes were refused and why.
    fn report(&mut self, document: DocumentId, admission: &Admission) -> Vec<Output> {
        if admission.refused.is_empty() {
            return Vec::new();
        }
        self.refused.extend(admission.refused.iter().map(|r| r.change));
        self.ephemeral_count += 1;
        let data = refusal_payload(document, admission);
        let message = WireMessage::Ephemeral {
            sender: SERVER_PEER_ID.into(),
            target: self.peer.peer_id(),
            count: self.ephemeral_count,
            session: self.ephemeral_session.clone(),
            document,
            data,
        };
        vec![Output::Send(message.encode())]
    }

    fn unavailable(&self, document: DocumentId) -> Vec<u8> {
        WireMessage::DocUnavailable { document, sender: SERVER_PEER_ID.into(), target: self.peer.peer_id() }.encode()
    }
}

/// The sync of `document`, made (or remade, if the peer's access changed) for `writes`.
fn entry_of<'a>(
    documents: &'a mut HashMap<DocumentId, DocumentSync>,
    document: DocumentId,
    writes: bool,
    copy: Option<&Arc<Mutex<Automerge>>>,
) -> &'a mut DocumentSync {
    if documents.get(&document).is_some_and(|e| e.staging.is_some() != writes) {
        documents.remove(&document);
    }
    documents.entry(document).or_insert_with(|| {
        let served = || copy.map(|c| lock(c).clone()).unwrap_or_default();
        match writes {
            true => DocumentSync { state: State::new(), staging: Some(served()) },
            false => DocumentSync { state: State::new_read_only(), staging: None },
        }
    })
}

/// The changes the peer's staging copy holds that the served copy lacks,
/// but those refused before, in causal order.
fn offered(staging: &Automerge, copy: Option<&Arc<Mutex<Automerge>>>, refused: &HashSet<ChangeHash>) -> Vec<Change> {
    let changes = match copy {
        Some(copy) => lock(copy).get_changes_added(staging),
        None => staging.get_changes(&[]),
    };
    changes.into_iter().filter(|change| !refused.contains(&change.hash())).collect()
}

/// Brings the staging copy up to the served one, then the sync message to send, if any.
fn reply(peer: &Peer, document: DocumentId, entry: &mut DocumentSync, copy: &Automerge) -> Vec<Output> {
    let message = match entry.staging.as_mut() {
        Some(staging) => {
            let missing = staging.get_changes_added(copy);
            if !missing.is_empty() && staging.apply_changes(missing).is_err() {
                return fail("could not bring the staging copy up to date");
            }
            staging.generate_sync_message(&mut entry.state)
        }
        None => copy.generate_sync_message(&mut entry.state),
    };
    message
        .map(|message| {
            let data = message.encode();
            let frame = WireMessage::Sync { document, sender: SERVER_PEER_ID.into(), target: peer.peer_id(), data };
            Output::Send(frame.encode())
        })
        .into_iter()
        .collect()
}

/// The `accord/refused` ephemeral payload (CBOR): the document, and each
/// refused change (hex) with its reason.
pub fn refusal_payload(document: DocumentId, admission: &Admission) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    let written: Result<(), minicbor::encode::Error<std::convert::Infallible>> = (|| {
        encoder.map(3)?.str("type")?.str("accord/refused")?.str("documentId")?.str(&document.to_string())?;
        encoder.str("refused")?.array(admission.refused.len() as u64)?;
        for refusal in &admission.refused {
            encoder.map(2)?.str("change")?.str(&refusal.change.to_string())?.str("reason")?.str(&refusal.reason)?;
        }
        Ok(())
    })();
    written.expect("encoding into memory cannot fail");
    encoder.into_writer()
}

/// The refusals an `accord/refused` payload names, as (change, reason);
/// `None` for any other ephemeral message.
pub fn read_refusals(data: &[u8]) -> Option<Vec<(String, String)>> {
    let mut decoder = minicbor::Decoder::new(data);
    let mut refusals = None;
    let mut is_refusal = false;
    for _ in 0..decoder.map().ok()?? {
        match decoder.str().ok()? {
            "type" => is_refusal = decoder.str().ok()? == "accord/refused",
            "refused" => {
                let mut found = Vec::new();
                for _ in 0..decoder.array().ok()?? {
                    let (mut change, mut reason) = (String::new(), String::new());
                    for _ in 0..decoder.map().ok()?? {
                        match decoder.str().ok()? {
                            "change" => change = decoder.str().ok()?.to_string(),
                            "reason" => reason = decoder.str().ok()?.to_string(),
                            _ => decoder.skip().ok()?,
                        }
                    }
                    found.push((change, reason));
                }
                refusals = Some(found);
            }
            _ => decoder.skip().ok()?,
        }
    }
    if is_refusal { refusals } else { None }
}

/// An error the peer is told, then the connection closes.
fn fail(message: &str) -> Vec<Output> {
    vec![Output::Send(WireMessage::Error { message: message.to_string() }.encode()), Output::Close(message.to_string())]
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_core::gate::Refusal;

    #[test]
    fn refusals_read_back() {
        let admission = Admission {
            accepted: vec![],
            refused: vec![Refusal { change: ChangeHash([1; 32]), reason: "not yours".into() }],
        };
        let read = read_refusals(&refusal_payload(DocumentId::derive("t", "d"), &admission)).expect("a refusal");
        assert_eq!(read, vec![(ChangeHash([1; 32]).to_string(), "not yours".to_string())]);
        assert_eq!(read_refusals(b"\xa1\x64type\x63foo"), None);
    }
}

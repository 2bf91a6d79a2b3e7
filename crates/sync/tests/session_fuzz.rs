//! Fuzzing a server session: random frames (garbage, and well-formed
//! protocol messages carrying random or real automerge sync data) never
//! panic it, and whatever it answers is a frame or a close. The server side
//! is a stand-in over one real negotiation, with the core's gate.

use std::sync::{Arc, Mutex};

use accord_core::automerge::sync::{State, SyncDoc};
use accord_core::automerge::{Automerge, Change};
use accord_core::gate::Admission;
use accord_core::{Attribution, DocumentId, Negotiation, NewParticipant, Role, Timestamp};
use accord_sync::wire::WireMessage;
use accord_sync::{DocumentAccess, Output, Peer, Served, Session};
use proptest::prelude::*;

/// The server, as a session sees it, over one negotiation.
struct Stand {
    negotiation: Mutex<Negotiation>,
    copies: Mutex<std::collections::HashMap<DocumentId, Arc<Mutex<Automerge>>>>,
}

impl Served for Stand {
    fn access(&self, peer: &Peer, document: DocumentId) -> DocumentAccess {
        let n = self.negotiation.lock().expect("lock");
        match n.may_write(&peer.participant, &document) {
            Ok(true) => DocumentAccess::ReadWrite,
            Ok(false) if n.document_role(&document).ok().flatten().is_some() => DocumentAccess::Read,
            _ => DocumentAccess::Deny,
        }
    }

    fn copy(&self, _: &Peer, document: DocumentId) -> Option<Arc<Mutex<Automerge>>> {
        let held = self.negotiation.lock().expect("lock").documents().get(&document).cloned()?;
        Some(self.copies.lock().expect("lock").entry(document).or_insert_with(|| Arc::new(Mutex::new(held))).clone())
    }

    fn offer(&self, peer: &Peer, document: DocumentId, changes: Vec<Change>) -> Admission {
        let mut n = self.negotiation.lock().expect("lock");
        let admission = n.admit(document, &peer.participant, changes).expect("the gate answers");
        if let (Some(copy), Some(source)) =
            (self.copies.lock().expect("lock").get(&document), n.documents().get(&document))
        {
            let mut copy = copy.lock().expect("lock");
            let missing = copy.get_changes_added(source);
            copy.apply_changes(missing).expect("apply");
        }
        admission
    }
}

fn stand() -> (Stand, Peer) {
    let at = Timestamp(1_793_610_000_000);
    let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
    let mut n = Negotiation::create(DocumentId::derive("fz", "n"), "Plan", chair, "s", at).expect("create");
    let desa = NewParticipant { code: "DESA".parse().expect("code"), name: "DESA".into(), role: Role::Member };
    n.add_participant(desa, &Attribution::new("CHAIR".parse().expect("code"), at)).expect("add");
    let peer = Peer { negotiation: n.id(), participant: "DESA".parse().expect("code") };
    (Stand { negotiation: Mutex::new(n), copies: Mutex::default() }, peer)
}

fn join(peer: &Peer) -> Vec<u8> {
    WireMessage::Join { sender: peer.peer_id(), versions: vec!["1".into()] }.encode()
}

/// A frame: garbage, or a message carrying random data, or a real sync message of a hostile document.
fn frame(documents: Vec<DocumentId>, sender: String) -> impl Strategy<Value = Vec<u8>> {
    let doc = prop::sample::select(documents);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        (doc.clone(), prop::collection::vec(any::<u8>(), 0..64), Just(sender.clone())).prop_map(
            |(document, data, sender)| WireMessage::Sync { document, sender, target: "accord-server".into(), data }
                .encode()
        ),
        (doc.clone(), "[ -~]{0,20}", any::<bool>()).prop_map(move |(document, text, request)| {
            // A real sync message of a document holding text the gate must judge.
            let mut theirs = Automerge::new();
            theirs
                .transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
                    use accord_core::automerge::transaction::Transactable;
                    tx.put(accord_core::automerge::ROOT, "stance:x", text.as_str())?;
                    Ok(())
                })
                .expect("write");
            let data = theirs.generate_sync_message(&mut State::new()).map(|m| m.encode()).unwrap_or_default();
            match request {
                true => WireMessage::Request { document, sender: sender.clone(), data }.encode(),
                false => WireMessage::Sync { document, sender: sender.clone(), target: "accord-server".into(), data }
                    .encode(),
            }
        }),
        Just(WireMessage::Leave.encode()),
        "[ -~]{0,10}".prop_map(|kind| WireMessage::Other(kind).encode()),
    ]
}

/// The documents frames name: the negotiation's, the peer's own, and one nobody has.
fn documents() -> Vec<DocumentId> {
    let negotiation = DocumentId::derive("fz", "n");
    let own = accord_core::participant_document_id(negotiation, &"DESA".parse().expect("code"));
    vec![negotiation, own, DocumentId::derive("fz", "unknown")]
}

fn sender() -> String {
    Peer { negotiation: DocumentId::derive("fz", "n"), participant: "DESA".parse().expect("code") }.peer_id()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_frames_never_panic_a_session(frames in prop::collection::vec(frame(documents(), sender()), 1..12), joined in any::<bool>()) {
        let (stand, peer) = stand();
        let mut session = Session::new(peer.clone());
        if joined {
            let answer = session.receive(&join(&peer), &stand);
            prop_assert!(matches!(answer.as_slice(), [Output::Send(_)]), "join is answered with peer");
        }
        for frame in frames {
            for output in session.receive(&frame, &stand) {
                if let Output::Send(bytes) = output {
                    prop_assert!(WireMessage::decode(&bytes).is_ok(), "the session sends only protocol messages");
                }
            }
        }
        let view = stand.negotiation.lock().expect("lock").view().expect("still reads");
        prop_assert!(view.unreadable.is_empty(), "{:?}", view.unreadable);
    }
}

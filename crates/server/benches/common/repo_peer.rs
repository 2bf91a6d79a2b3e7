//! A minimal automerge-repo peer for the bench programs: one WebSocket,
//! any number of documents each with its own sync state, a `text` field per
//! document. `sync_fanout` and `meeting` drive Accord's `/sync` and
//! automerge-repo's Node server with it, so both servers see the same clients.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use accord_core::DocumentId;
use accord_core::automerge::sync::{Message, State, SyncDoc};
use accord_core::automerge::transaction::Transactable;
use accord_core::automerge::{Automerge, AutomergeError, ObjType, ROOT, ReadDoc};
use accord_sync::wire::WireMessage;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Frame;

use super::{ServerProcess, listening_on};

type Socket = super::ClientSocket;

/// One document as the peer holds it.
struct Held {
    doc: Automerge,
    state: State,
}

/// A peer of the automerge-repo protocol.
pub struct RepoPeer {
    socket: Socket,
    peer: String,
    server: String,
    docs: BTreeMap<DocumentId, Held>,
    /// Bytes of the frames received so far.
    pub received: u64,
    /// Whether the server closed the connection (an overloaded server may: what it did not
    /// deliver then counts as undelivered, the run goes on).
    closed: bool,
}

impl RepoPeer {
    /// Connects to `url` and joins as `peer`.
    pub async fn connect(url: &str, peer: &str) -> RepoPeer {
        let mut socket = super::connect_client(url, None).await;
        let join = WireMessage::Join { sender: peer.into(), versions: vec!["1".into()] };
        socket.send(Frame::binary(join.encode())).await.expect("join");
        let server = loop {
            match socket.next().await {
                Some(Ok(Frame::Binary(bytes))) => {
                    if let Ok(WireMessage::Peer { sender, .. }) = WireMessage::decode(&bytes) {
                        break sender;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("{peer} at {url}: no answer to join: {other:?}"),
            }
        };
        RepoPeer { socket, peer: peer.into(), server, docs: BTreeMap::new(), received: 0, closed: false }
    }

    /// Brings a new document holding `text` to the server and waits until the server has it.
    pub async fn create(&mut self, document: DocumentId, text: &str) {
        let mut doc = Automerge::new();
        doc.transact::<_, _, AutomergeError>(|tx| {
            let field = tx.put_object(ROOT, "text", ObjType::Text)?;
            tx.splice_text(&field, 0, 0, text)?;
            Ok(())
        })
        .expect("write");
        self.docs.insert(document, Held { doc, state: State::new() });
        self.send_sync(document, false).await;
        while self.docs[&document].state.shared_heads != self.docs[&document].doc.get_heads() {
            assert!(!self.closed, "the server closed the connection while the peer set up");
            self.receive_one().await;
        }
    }

    /// Asks the server for a document and waits until the peer holds its text.
    pub async fn fetch(&mut self, document: DocumentId) {
        self.docs.insert(document, Held { doc: Automerge::new(), state: State::new() });
        self.send_sync(document, true).await;
        while self.text(document).is_empty() {
            assert!(!self.closed, "the server closed the connection while the peer set up");
            self.receive_one().await;
        }
    }

    /// The document's text (empty if not held yet).
    pub fn text(&self, document: DocumentId) -> String {
        let Some(held) = self.docs.get(&document) else { return String::new() };
        match held.doc.get(ROOT, "text") {
            Ok(Some((_, text))) => held.doc.text(&text).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Splices `insert` into the document's text at `at` (characters; clamped to its length) and sends it.
    pub async fn splice(&mut self, document: DocumentId, at: usize, insert: &str) {
        let held = self.docs.get_mut(&document).expect("a held document");
        let (_, text) = held.doc.get(ROOT, "text").expect("read").expect("text");
        let at = at.min(held.doc.length(&text));
        held.doc
            .transact::<_, _, AutomergeError>(|tx| {
                tx.splice_text(&text, at, 0, insert)?;
                Ok(())
            })
            .expect("splice");
        self.send_sync(document, false).await;
    }

    /// Waits for the next frame and applies it; answers the server; returns the document it was about.
    pub async fn receive_one(&mut self) -> Option<DocumentId> {
        if self.closed {
            return std::future::pending().await;
        }
        let Some(Ok(frame)) = self.socket.next().await else {
            self.close();
            return None;
        };
        let Frame::Binary(bytes) = frame else { return None };
        self.received += bytes.len() as u64;
        let Ok(WireMessage::Sync { document, data, .. }) = WireMessage::decode(&bytes) else { return None };
        let held = self.docs.get_mut(&document)?;
        let message = Message::decode(&data).expect("a sync message");
        held.doc.receive_sync_message(&mut held.state, message).expect("apply");
        self.send_sync(document, false).await;
        Some(document)
    }

    /// Applies what the server sends until the next tick of `ticks` (a typer between keystrokes).
    pub async fn apply_until(&mut self, ticks: &mut tokio::time::Interval) {
        loop {
            tokio::select! {
                _ = ticks.tick() => return,
                _ = self.receive_one() => {}
            }
        }
    }

    async fn send_sync(&mut self, document: DocumentId, request: bool) {
        let held = self.docs.get_mut(&document).expect("a held document");
        let Some(message) = held.doc.generate_sync_message(&mut held.state) else { return };
        let data = message.encode();
        let frame = match request {
            true => WireMessage::Request { document, sender: self.peer.clone(), data },
            false => WireMessage::Sync { document, sender: self.peer.clone(), target: self.server.clone(), data },
        };
        if !self.closed && self.socket.send(Frame::binary(frame.encode())).await.is_err() {
            self.close();
        }
    }

    fn close(&mut self) {
        if !self.closed {
            eprintln!("{}: the server closed the connection", self.peer);
        }
        self.closed = true;
    }
}

/// Where benches/js is (automerge-repo's Node sync server); exits with what to do if not installed.
pub fn node_server_dir() -> PathBuf {
    let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/js");
    let installed = ["@automerge/automerge-repo", "@hocuspocus/server"];
    if !installed.iter().all(|package| js.join("node_modules").join(package).exists()) {
        eprintln!("the field's Node servers are not installed: npm ci --prefix benches/js");
        std::process::exit(1);
    }
    js
}

/// automerge-repo's Node sync server on a fresh data directory; returns it and its WebSocket URL.
pub fn spawn_node(dir: &Path, js: &Path) -> (ServerProcess, String) {
    let mut child = Command::new("node")
        .arg(js.join("sync-server.mjs"))
        .env("PORT", "0")
        .env("DATA_DIR", dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the node sync server");
    let addr = listening_on(&mut child);
    let port = addr.rsplit(' ').next().unwrap_or(&addr).to_string();
    (ServerProcess(child), format!("ws://127.0.0.1:{port}"))
}

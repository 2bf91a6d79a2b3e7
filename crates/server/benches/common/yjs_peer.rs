//! A minimal Hocuspocus client for the `meeting` bench: one WebSocket, any number of Yjs
//! documents, each with a `text`. Hocuspocus (4.x) frames every message as the document's
//! name, a message type, then its body; sync bodies are y-protocols' (a state vector, the
//! state since one, or an update), which `yrs` encodes and decodes. A client authenticates
//! per document (any token when the server has no hook), then sends its state vector; the
//! server answers with the document's state, then sends every update made to it, the
//! client's own included. So the meeting's clients on Hocuspocus are Rust clients as on the
//! other servers, and hold real Yjs documents.

use std::collections::BTreeMap;

use accord_core::DocumentId;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Frame;
use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;
use yrs::sync::SyncMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, Text, TextRef, Transact, Update};

type Socket = super::ClientSocket;

/// Hocuspocus's message types (its `MessageType`) this client sends or reads.
const SYNC: u8 = 0;
const AUTH: u8 = 2;
/// The server applied an update the client sent (its body: 1 applied, 0 refused).
const SYNC_STATUS: u8 = 8;
/// Auth's body: a token (client to server).
const TOKEN: u8 = 0;

/// One document as the client holds it.
struct Held {
    doc: Doc,
    text: TextRef,
}

/// A client of a Hocuspocus server.
pub struct YjsPeer {
    socket: Socket,
    docs: BTreeMap<DocumentId, Held>,
    /// Bytes of the frames received so far.
    pub received: u64,
    /// Updates of its own the server said it applied.
    applied: u64,
    /// Whether the server closed the connection (an overloaded server may: what it did not
    /// deliver then counts as undelivered, the run goes on).
    closed: bool,
}

impl YjsPeer {
    /// Connects to `url` (one socket for every document the client then joins).
    pub async fn connect(url: &str) -> YjsPeer {
        let socket = super::connect_client(url, None).await;
        YjsPeer { socket, docs: BTreeMap::new(), received: 0, applied: 0, closed: false }
    }

    /// Brings a new document holding `text` to the server and waits until the server applied it.
    pub async fn create(&mut self, document: DocumentId, text: &str) {
        self.join(document).await;
        let applied = self.applied;
        self.append(document, text).await;
        while self.applied == applied {
            assert!(!self.closed, "the server closed the connection while the client set up");
            self.receive_one().await;
        }
    }

    /// Joins a document and waits until the client holds its text.
    pub async fn fetch(&mut self, document: DocumentId) {
        self.join(document).await;
        while self.text(document).is_empty() {
            assert!(!self.closed, "the server closed the connection while the client set up");
            self.receive_one().await;
        }
    }

    /// The document's text (empty if not held yet).
    pub fn text(&self, document: DocumentId) -> String {
        let Some(held) = self.docs.get(&document) else { return String::new() };
        held.text.get_string(&held.doc.transact())
    }

    /// Appends `words` to the document's text and sends the update.
    pub async fn append(&mut self, document: DocumentId, words: &str) {
        let held = self.docs.get(&document).expect("a held document");
        let update = {
            let mut txn = held.doc.transact_mut();
            let end = held.text.len(&txn);
            held.text.insert(&mut txn, end, words);
            txn.encode_update_v1()
        };
        self.send(document, SYNC, &SyncMessage::Update(update).encode_v1()).await;
    }

    /// Waits for the next frame and applies it; returns the document whose text it changed.
    pub async fn receive_one(&mut self) -> Option<DocumentId> {
        if self.closed {
            return std::future::pending().await;
        }
        let Some(Ok(frame)) = self.socket.next().await else {
            self.closed = true;
            return None;
        };
        let Frame::Binary(bytes) = frame else { return None };
        self.received += bytes.len() as u64;
        let mut reading = Cursor::new(&bytes);
        let document = reading.read_string().ok()?.parse::<DocumentId>().ok()?;
        match reading.read_var::<u8>().ok()? {
            SYNC => self.apply(document, &bytes[reading.next..]),
            SYNC_STATUS => {
                self.applied += u64::from(reading.read_var::<u8>().ok()? == 1);
                None
            }
            _ => None,
        }
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

    /// Authenticates for `document` (no hook on the server: any token) and sends its state
    /// vector, as a provider does when it opens a document.
    async fn join(&mut self, document: DocumentId) {
        let doc = Doc::new();
        let text = doc.get_or_insert_text("text");
        let state = doc.transact().state_vector();
        self.docs.insert(document, Held { doc, text });
        let mut token = Vec::new();
        token.write_var(TOKEN);
        token.write_string("");
        self.send(document, AUTH, &token).await;
        self.send(document, SYNC, &SyncMessage::SyncStep1(state).encode_v1()).await;
    }

    /// Applies a sync message's state or update; the server's state vector needs no answer.
    fn apply(&mut self, document: DocumentId, body: &[u8]) -> Option<DocumentId> {
        let (SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) = SyncMessage::decode_v1(body).ok()? else {
            return None;
        };
        let held = self.docs.get(&document)?;
        let update = Update::decode_v1(&update).expect("a Yjs update");
        held.doc.transact_mut().apply_update(update).expect("apply");
        Some(document)
    }

    async fn send(&mut self, document: DocumentId, kind: u8, body: &[u8]) {
        let mut frame = Vec::with_capacity(body.len() + 64);
        frame.write_string(&document.to_string());
        frame.write_var(kind);
        frame.extend_from_slice(body);
        if !self.closed && self.socket.send(Frame::binary(frame)).await.is_err() {
            self.closed = true;
        }
    }
}

/// Hocuspocus on its own (`benches/js/hocuspocus-server.mjs`, in memory); returns it and its
/// WebSocket URL.
pub fn spawn_hocuspocus(js: &std::path::Path) -> (super::ServerProcess, String) {
    let mut child = std::process::Command::new("node")
        .arg(js.join("hocuspocus-server.mjs"))
        .env("PORT", "0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start Hocuspocus");
    let port = super::listening_on(&mut child);
    (super::ServerProcess(child), format!("ws://127.0.0.1:{port}"))
}

//! accord-sync: the automerge-repo sync protocol, for native peers (`accord
//! sync`) and JavaScript ones (`@automerge/automerge-repo`).
//!
//! The server speaks the protocol itself ([`session`], [`wire`]): samod 0.16
//! offers no way to check a peer's changes before it applies, stores and
//! relays them, and every change from a peer must pass the core's gate first.
//! The client (`accord sync`) is samod, which is young and changes between
//! minor versions, so it is used here and nowhere else. The pieces:
//! - [`wire`]: the protocol's CBOR messages;
//! - [`session`]: one peer's connection on the server, without I/O: its
//!   documents synced against served copies, its changes offered to the gate;
//! - [`storage`]: samod's `Storage` over the same SQLite chunks the rest of
//!   Accord reads and writes, so a local copy has one copy on disk;
//! - [`client`]: syncs a local store with a server both ways, once.

pub mod client;
mod ids;
pub mod session;
pub mod storage;
pub mod wire;

pub use client::{SyncError, SyncReport, sync_store};
pub use ids::Peer;
pub use session::{DocumentAccess, Output, SERVER_PEER_ID, Served, Session};
pub use storage::{StorageEvents, SyncStorage};

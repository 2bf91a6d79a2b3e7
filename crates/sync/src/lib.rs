//! accord-sync: the automerge-repo sync protocol, for native peers (`accord
//! sync`) and JavaScript ones (`@automerge/automerge-repo`).
//!
//! samod is young and changes between minor versions, so it is used here and
//! nowhere else: the server and the CLI see Accord's own types
//! ([`SyncEndpoint`], [`sync_store`], [`Peer`]). The pieces:
//! - [`storage`]: samod's `Storage` over the same SQLite chunks the rest of
//!   Accord reads and writes, so a document has one copy on disk;
//! - [`endpoint`]: the server side: peers bound to their token, and a
//!   per-document share policy that asks the same ownership rule as the API;
//! - [`client`]: syncs a local store with a server both ways, once.

pub mod client;
pub mod endpoint;
mod ids;
pub mod storage;

pub use client::{SyncError, SyncReport, sync_store};
pub use endpoint::{DocumentAccess, EndpointError, PeerAccess, SyncEndpoint, SyncedDocument};
pub use ids::Peer;
pub use storage::{StorageEvents, SyncStorage};

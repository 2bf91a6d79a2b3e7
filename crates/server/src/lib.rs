//! accord-server: the Accord server. One process serves a store's
//! negotiations to browsers and scripts:
//!
//! - [`api`]: the JSON API under `/api` (sign-in, the negotiation view,
//!   proposals, text edits from browsers, stances, adoption, redline,
//!   compromise, history, export);
//! - [`live`]: a WebSocket per negotiation pushing every stored change;
//! - [`origin`]: writes are JSON, and cookie-signed ones come from this server's pages;
//! - [`sync`]: the automerge-repo endpoint at `/sync` for native and
//!   JavaScript peers: their changes pass the core's gate (the API's rules)
//!   before they are stored or relayed;
//! - [`web`]: the browser UI (static files from web/, built into the binary);
//! - [`room`]: one negotiation in memory behind its own lock; every write
//!   is applied by accord-core (which knows the rules), made durable in
//!   SQLite, and only then answered and announced; [`hub`] keeps the rooms
//!   and what they share (tokens), and [`state`] is what handlers call: one
//!   call, one room.
//!
//! The server is `app(state) -> Router` plus [`run`]: the caller owns the
//! listener and the shutdown signal, so tests run it on `127.0.0.1:0`.

pub mod api;
pub mod connection;
pub mod error;
pub mod exports;
pub mod hub;
mod json;
pub mod live;
pub mod openapi;
pub mod opening;
pub mod origin;
pub mod room;
pub mod served_view;
pub mod session;
mod sign_in;
pub mod state;
pub mod sync;
mod text_change;
pub mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post, put};
use tokio::net::TcpListener;

pub use state::AppState;
use sync::SyncService;

/// The largest request body accepted (a proposal text is far smaller).
pub const MAX_BODY: usize = 256 * 1024;

/// What the routes share: the negotiations, through [`AppState`], and the sync endpoint,
/// which follows their changes. Handlers take either part (`State<AppState>`,
/// `State<Arc<SyncService>>`), so neither needs to know the other (ARCHITECTURE.md,
/// invariant 14).
#[derive(Clone)]
struct Shared {
    state: AppState,
    sync: Arc<SyncService>,
}

impl FromRef<Shared> for AppState {
    fn from_ref(shared: &Shared) -> AppState {
        shared.state.clone()
    }
}

impl FromRef<Shared> for Arc<SyncService> {
    fn from_ref(shared: &Shared) -> Arc<SyncService> {
        shared.sync.clone()
    }
}

/// The routes, and the sync endpoint following `state`'s changes (call it inside the runtime).
pub fn app(state: AppState) -> Router {
    let (sync, _following) = sync::start(&state);
    let api = Router::new()
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/health", get(api::health))
        .route("/session", post(api::sign_in).delete(api::sign_out))
        .route("/me", get(api::me))
        .route(
            "/negotiations",
            get(api::list).post(opening::open).layer(DefaultBodyLimit::max(opening::MAX_OPENING_BODY)),
        )
        .route("/negotiations/{id}", get(api::negotiation))
        .route("/negotiations/{id}/sections/{number}/proposals", post(api::propose))
        .route("/negotiations/{id}/sections/{number}/adopt", post(api::adopt))
        .route("/negotiations/{id}/sections/{number}/reopen", post(api::reopen))
        .route("/negotiations/{id}/sections/{number}/silence", post(api::silence))
        .route("/negotiations/{id}/sections/{number}/redline", get(api::redline))
        .route("/negotiations/{id}/sections/{number}/compromise", get(api::compromise))
        .route("/negotiations/{id}/sections/{number}/convergence", get(api::convergence))
        .route("/negotiations/{id}/deadline", put(api::deadline))
        .route("/negotiations/{id}/packages", post(api::package))
        .route("/negotiations/{id}/participants", post(api::add_participant))
        .route("/negotiations/{id}/participants/{code}/invite", post(api::invite).delete(api::revoke))
        .route("/negotiations/{id}/history", get(api::history))
        .route("/negotiations/{id}/export", get(exports::export))
        .route(
            "/negotiations/{id}/verify",
            post(exports::verify).layer(DefaultBodyLimit::max(opening::MAX_OPENING_BODY)),
        )
        .route("/negotiations/{id}/live", get(live::live))
        .route("/proposals/{id}/text", put(api::edit_text))
        .route("/proposals/{id}/stances/{code}", put(api::stance))
        .route("/proposals/{id}/cosponsor", post(api::cosponsor))
        .route("/proposals/{id}/withdraw", post(api::withdraw))
        .route("/proposals/{id}/comments", post(api::comment))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn(origin::guard_writes));
    Router::new()
        .nest("/api", api)
        .route("/sync", get(sync::sync))
        .route("/", get(web::index))
        .route("/assets/{file}", get(web::asset))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Shared { state, sync })
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes
/// the requests under way. Every acknowledged write is already on disk.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connection::serve(listener, app(state), shutdown).await
}

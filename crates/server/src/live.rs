//! Live updates: `GET /api/negotiations/{id}/live` upgrades to a WebSocket
//! that first sends the current view, then every change as it is stored
//! and who is connected, as JSON text messages: `{"type": "view", "view"}`,
//! `{"type": "changed", "by", "view"}`, `{"type": "presence", "present": [codes]}`.

use accord_core::DocumentId;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::api::{negotiation_id, view_of};
use crate::error::ApiError;
use crate::hub::AppState;
use crate::session::Session;

/// Largest message a client may send on the live socket (it has nothing to say yet).
const MAX_CLIENT_MESSAGE: usize = 4096;

/// Upgrades to the live socket of one negotiation.
pub async fn live(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let id = negotiation_id(&session, &id)?;
    let first = json!({ "type": "view", "view": view_of(&state, id)? }).to_string();
    Ok(upgrade.max_message_size(MAX_CLIENT_MESSAGE).on_upgrade(move |socket| async move {
        let who = session.participant;
        let Ok(receiver) = state.lock().join(id, &who) else { return };
        forward(socket, first, receiver, id).await;
        state.lock().leave(id, &who);
    }))
}

async fn forward(
    socket: WebSocket,
    first: String,
    mut changes: tokio::sync::broadcast::Receiver<std::sync::Arc<str>>,
    id: DocumentId,
) {
    let (mut sender, mut incoming) = socket.split();
    if sender.send(Message::Text(first.into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            change = changes.recv() => match change {
                Ok(text) => {
                    if sender.send(Message::Text(Utf8Bytes::from(text.as_ref()))).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(negotiation = %id, missed, "a live client fell behind");
                    let note = json!({ "type": "lagged", "missed": missed }).to_string();
                    if sender.send(Message::Text(note.into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

//! Live updates: `GET /api/negotiations/{id}/live` upgrades to a WebSocket
//! that first sends the current view, then every change as it is stored
//! and who is connected, as JSON text messages: `{"type": "view", "view"}`,
//! `{"type": "changed", "by", "documents", "proposals": [{id, heads, from, at,
//! delete, insert}]}` (each proposal's text as the one region that differs
//! from the text at `from`; whole, `{id, heads, text}`, the first time),
//! `{"type": "presence", "present": [codes]}`, and where co-editors' cursors
//! are: a client sends `{"type": "cursor", "proposal", "start", "end"}` and
//! everyone receives it with `"who"` added.

use accord_core::{DocumentId, ParticipantCode, ProposalId};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::{Duration, Instant};

use crate::api::negotiation_id;
use crate::error::ApiError;
use crate::session::Session;
use crate::state::AppState;

/// Largest message a client may send on the live socket (a cursor position).
const MAX_CLIENT_MESSAGE: usize = 4096;

/// How much the socket reads from the network at a time. The WebSocket library zeroes this
/// much of its buffer before each read: its default, 128 KiB, is thirty times the largest
/// message a client may send.
const READ_CHUNK: usize = MAX_CLIENT_MESSAGE;

/// How often a live socket looks at what its client said while the client speaks (see
/// [`forward`]): as often as cursors are relayed.
const LOOK_WHILE_SPEAKING: Duration = Duration::from_millis(50);
/// How often once the client has not spoken for [`SPEAKING_FOR`]: its first word after a
/// silence (a cursor, its close) waits at most this long.
const LOOK_WHILE_QUIET: Duration = Duration::from_millis(1000);
/// How long a client counts as speaking after its last message of its own (a cursor).
const SPEAKING_FOR: Duration = Duration::from_secs(5);

/// How often the server pings a live client; three silent intervals close it.
const PING_EVERY: Duration = Duration::from_secs(20);

/// Upgrades to the live socket of one negotiation. Browsers send their
/// session cookie on WebSocket upgrades from any page of the same site, so an
/// upgrade from a page of another origin is refused.
pub async fn live(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let id = negotiation_id(&session, &id)?;
    crate::origin::check_origin(&headers)?;
    let upgrade =
        upgrade.map_err(|_| ApiError::bad_request("this route is a WebSocket: open it with a WebSocket client"))?;
    Ok(upgrade.max_message_size(MAX_CLIENT_MESSAGE).read_buffer_size(READ_CHUNK).on_upgrade(move |socket| async move {
        let who = session.participant;
        let Ok((receiver, relay, view)) = state.join(id, &who) else { return };
        match view.live_message() {
            Ok(first) => {
                forward(socket, first, receiver, Relay { sender: relay, who: who.clone(), last: None }, id).await
            }
            Err(error) => tracing::error!(?error, negotiation = %id, "could not serialize the view"),
        }
        state.leave(id, &who);
    }))
}

/// The least time between two cursor messages relayed for one socket (a client
/// that sends more often loses the extra ones: they would only crowd the channel).
const CURSOR_EVERY: Duration = Duration::from_millis(50);

/// Passes what a client says about itself on to everyone on the negotiation.
struct Relay {
    sender: tokio::sync::broadcast::Sender<Utf8Bytes>,
    who: ParticipantCode,
    last: Option<Instant>,
}

impl Relay {
    /// Relays a client's `{"type": "cursor", "proposal": ID or null, "start", "end"}` as
    /// the same with `who`; anything else a client sends is ignored.
    fn client_said(&mut self, text: &str) {
        if self.last.is_some_and(|last| last.elapsed() < CURSOR_EVERY) {
            return;
        }
        let Some(cursor) = cursor(text) else { return };
        self.last = Some(Instant::now());
        let message =
            json!({ "type": "cursor", "who": self.who, "proposal": cursor.0, "start": cursor.1, "end": cursor.2 });
        let _ = self.sender.send(Utf8Bytes::from(message.to_string()));
    }
}

/// A valid cursor message: the proposal (none: out of any editor) and the selection.
fn cursor(text: &str) -> Option<(Option<ProposalId>, u32, u32)> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    if value.get("type")?.as_str()? != "cursor" {
        return None;
    }
    let proposal = match value.get("proposal")? {
        serde_json::Value::Null => None,
        id => Some(id.as_str()?.parse::<ProposalId>().ok()?),
    };
    let at = |key: &str| value.get(key).and_then(serde_json::Value::as_u64).and_then(|n| u32::try_from(n).ok());
    let (start, end) = (at("start").unwrap_or(0), at("end").unwrap_or(0));
    (start <= end).then_some((proposal, start, end))
}

/// Sends the first message, then every live message as it comes, and a ping now and then,
/// until the client leaves, and takes what the client said meanwhile (cursors, pongs, its
/// close) every so often (see [`look_after`]). Messages that queued while one was sent go out
/// with a single flush. The client's side is looked at, never waited on: the WebSocket library
/// (tokio-tungstenite) wakes whoever waits to read on every readiness of the socket, its
/// writes included, and every look costs: waiting there (in this task or one of its own), or
/// looking every 50 ms at every socket, took 5-7% of the throughput at 3,000 clients, where
/// looking once took nothing measurable (BENCHMARKS.md, fan-out).
async fn forward(
    socket: WebSocket,
    first: Utf8Bytes,
    mut changes: tokio::sync::broadcast::Receiver<Utf8Bytes>,
    mut relay: Relay,
    id: DocumentId,
) {
    let (mut sender, mut incoming) = socket.split();
    if sender.send(Message::Text(first)).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    // When the client last said anything (for the pings), and when it last said something
    // of its own accord, a cursor (for how often to look).
    let (mut heard, mut spoke) = (Instant::now(), None);
    let look = tokio::time::sleep(look_after(spoke));
    tokio::pin!(look);
    loop {
        let sent = tokio::select! {
            // Changes first: while a backlog drains, the client's side waits (a closed socket
            // fails the sends anyway).
            biased;
            change = changes.recv() => match message_of(change, id) {
                Some(message) => send_queued(&mut sender, message, &mut changes, id).await,
                None => return,
            },
            () = &mut look => {
                match read_said(&mut incoming, &mut relay) {
                    Said::Nothing => {}
                    Said::Pong => heard = Instant::now(),
                    Said::Text => (heard, spoke) = (Instant::now(), Some(Instant::now())),
                    Said::Gone => return,
                }
                look.as_mut().reset(Instant::now() + look_after(spoke));
                Ok(())
            },
            _ = ping.tick() => match silent(heard) {
                true => return,
                false => sender.send(Message::Ping(Default::default())).await,
            },
        };
        if sent.is_err() {
            return;
        }
    }
}

/// How long until the next look at a client that last spoke at `spoke`: often while it speaks
/// (an editor moving its cursor), rarely if it has not for a while (a reader).
fn look_after(spoke: Option<Instant>) -> Duration {
    match spoke.is_some_and(|at| at.elapsed() < SPEAKING_FOR) {
        true => LOOK_WHILE_SPEAKING,
        false => LOOK_WHILE_QUIET,
    }
}

/// What a look at the client's side found.
enum Said {
    Nothing,
    /// Only control frames, answers to pings (alive, not speaking).
    Pong,
    /// A message of its own (a cursor).
    Text,
    /// The client closed the socket, or it broke.
    Gone,
}

/// Takes every message the client has sent so far, without waiting for more: relays cursors,
/// ignores the rest (pongs).
fn read_said(incoming: &mut futures_util::stream::SplitStream<WebSocket>, relay: &mut Relay) -> Said {
    let mut said = Said::Nothing;
    while let Some(next) = futures_util::FutureExt::now_or_never(incoming.next()) {
        match next {
            Some(Ok(Message::Close(_)) | Err(_)) | None => return Said::Gone,
            Some(Ok(Message::Text(text))) => {
                said = Said::Text;
                relay.client_said(&text);
            }
            Some(Ok(_)) => {
                if matches!(said, Said::Nothing) {
                    said = Said::Pong;
                }
            }
        }
    }
    said
}

/// Whether a client last heard at `heard` has been silent for three pings (a half-open connection).
fn silent(heard: Instant) -> bool {
    heard.elapsed() >= PING_EVERY * 3
}

/// The message to send for what the channel gave (`None`: the room is gone).
fn message_of(change: Result<Utf8Bytes, RecvError>, id: DocumentId) -> Option<Message> {
    match change {
        Ok(text) => Some(Message::Text(text)),
        Err(RecvError::Lagged(missed)) => Some(lagged(missed, id)),
        Err(RecvError::Closed) => None,
    }
}

/// Tells a client that fell behind that it missed messages (it fetches the view).
fn lagged(missed: u64, id: DocumentId) -> Message {
    tracing::warn!(negotiation = %id, missed, "a live client fell behind");
    Message::Text(json!({ "type": "lagged", "missed": missed }).to_string().into())
}

/// Sends `message` and every message already queued behind it, flushed once.
async fn send_queued(
    sender: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    message: Message,
    changes: &mut tokio::sync::broadcast::Receiver<Utf8Bytes>,
    id: DocumentId,
) -> Result<(), axum::Error> {
    sender.feed(message).await?;
    loop {
        match changes.try_recv() {
            Ok(text) => sender.feed(Message::Text(text)).await?,
            Err(TryRecvError::Lagged(missed)) => sender.feed(lagged(missed, id)).await?,
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    sender.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_looked_at_often_while_it_speaks_and_every_second_otherwise() {
        assert_eq!(look_after(None), Duration::from_millis(1000), "a reader that never spoke");
        assert_eq!(look_after(Some(Instant::now())), Duration::from_millis(50), "an editor moving its cursor");
        let long_ago = Instant::now() - Duration::from_secs(6);
        assert_eq!(look_after(Some(long_ago)), Duration::from_millis(1000), "quiet for six seconds");
    }
}

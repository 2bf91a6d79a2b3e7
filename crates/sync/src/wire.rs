//! The automerge-repo wire protocol, as the server speaks it: CBOR maps
//! with a `type` (`join`, `peer`, `request`, `sync`, `doc-unavailable`,
//! `ephemeral`, `error`, `leave`, and the remote-heads messages, which the
//! server reads and ignores). samod's codec is private to it, so this one
//! follows it field by field, JavaScript's quirks included (a document id
//! as text or bytes, counts as floats, `undefined` in metadata).

use accord_core::DocumentId;
use minicbor::data::Type;
use minicbor::{Decoder, Encoder};

/// A message of the protocol.
#[derive(Clone, Debug, PartialEq)]
pub enum WireMessage {
    /// A peer opens: who it is and which protocol versions it speaks.
    Join {
        /// Its peer id.
        sender: String,
        /// The protocol versions it speaks (the server speaks "1").
        versions: Vec<String>,
    },
    /// The answer to `join`.
    Peer {
        /// Our peer id.
        sender: String,
        /// Theirs.
        target: String,
    },
    /// A peer leaves.
    Leave,
    /// A peer asks for a document it does not hold, with a sync message.
    Request {
        /// The document.
        document: DocumentId,
        /// The peer.
        sender: String,
        /// The automerge sync message.
        data: Vec<u8>,
    },
    /// A sync message about a document.
    Sync {
        /// The document.
        document: DocumentId,
        /// Who sends it.
        sender: String,
        /// Who it is for.
        target: String,
        /// The automerge sync message.
        data: Vec<u8>,
    },
    /// The sender does not have (or will not share) a document.
    DocUnavailable {
        /// The document.
        document: DocumentId,
        /// Who says so.
        sender: String,
        /// To whom.
        target: String,
    },
    /// A message for the peers of a document, not stored.
    Ephemeral {
        /// Who sends it.
        sender: String,
        /// Who it is for.
        target: String,
        /// Its number in the sender's session.
        count: u64,
        /// The sender's session.
        session: String,
        /// The document it is about.
        document: DocumentId,
        /// Its content (CBOR).
        data: Vec<u8>,
    },
    /// A protocol error, before the sender closes.
    Error {
        /// What went wrong.
        message: String,
    },
    /// Any other message of the protocol (remote heads), which the server ignores.
    Other(String),
}

/// Why a frame is not a message.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not the CBOR the protocol uses.
    #[error("not an automerge-repo message: {0}")]
    Cbor(String),
    /// A message without a field it needs.
    #[error("a {kind} message needs {field}")]
    Missing {
        /// The message's type.
        kind: String,
        /// The field.
        field: &'static str,
    },
    /// A document id that is not one.
    #[error("invalid document id")]
    DocumentId,
}

impl From<minicbor::decode::Error> for WireError {
    fn from(error: minicbor::decode::Error) -> WireError {
        WireError::Cbor(error.to_string())
    }
}

/// The fields of a message, as read.
#[derive(Default)]
struct Fields {
    kind: Option<String>,
    sender: Option<String>,
    target: Option<String>,
    document: Option<DocumentId>,
    data: Option<Vec<u8>>,
    versions: Option<Vec<String>>,
    message: Option<String>,
    session: Option<String>,
    count: Option<u64>,
}

impl WireMessage {
    /// Reads a frame.
    pub fn decode(frame: &[u8]) -> Result<WireMessage, WireError> {
        let fields = read_fields(&mut Decoder::new(frame))?;
        let kind = fields.kind.clone().ok_or_else(|| WireError::Cbor("no type".into()))?;
        Ok(match kind.as_str() {
            "join" => WireMessage::Join {
                sender: need(fields.sender, &kind, "senderId")?,
                versions: need(fields.versions, &kind, "supportedProtocolVersions")?,
            },
            "peer" => WireMessage::Peer {
                sender: need(fields.sender, &kind, "senderId")?,
                target: need(fields.target, &kind, "targetId")?,
            },
            "leave" => WireMessage::Leave,
            "request" => WireMessage::Request {
                document: need(fields.document, &kind, "documentId")?,
                sender: need(fields.sender, &kind, "senderId")?,
                data: need(fields.data, &kind, "data")?,
            },
            "sync" => WireMessage::Sync {
                document: need(fields.document, &kind, "documentId")?,
                sender: need(fields.sender, &kind, "senderId")?,
                target: need(fields.target, &kind, "targetId")?,
                data: need(fields.data, &kind, "data")?,
            },
            "doc-unavailable" => WireMessage::DocUnavailable {
                document: need(fields.document, &kind, "documentId")?,
                sender: need(fields.sender, &kind, "senderId")?,
                target: need(fields.target, &kind, "targetId")?,
            },
            "ephemeral" => WireMessage::Ephemeral {
                sender: need(fields.sender, &kind, "senderId")?,
                target: need(fields.target, &kind, "targetId")?,
                count: need(fields.count, &kind, "count")?,
                session: need(fields.session, &kind, "sessionId")?,
                document: need(fields.document, &kind, "documentId")?,
                data: need(fields.data, &kind, "data")?,
            },
            "error" => WireMessage::Error { message: need(fields.message, &kind, "message")? },
            "remote-subscription-change" | "remote-heads-changed" => WireMessage::Other(kind),
            other => return Err(WireError::Cbor(format!("unknown message type {other:?}"))),
        })
    }

    /// Writes the message as a frame.
    pub fn encode(&self) -> Vec<u8> {
        let mut encoder = Encoder::new(Vec::new());
        write(&mut encoder, self).expect("encoding into memory cannot fail");
        encoder.into_writer()
    }
}

/// A field a message needs.
fn need<T>(value: Option<T>, kind: &str, field: &'static str) -> Result<T, WireError> {
    value.ok_or_else(|| WireError::Missing { kind: kind.to_string(), field })
}

fn read_fields(decoder: &mut Decoder<'_>) -> Result<Fields, WireError> {
    let len = decoder.map()?.ok_or_else(|| WireError::Cbor("a map of unknown length".into()))?;
    let mut fields = Fields::default();
    for _ in 0..len {
        match decoder.str()? {
            "type" => fields.kind = Some(decoder.str()?.to_string()),
            "senderId" => fields.sender = Some(decoder.str()?.to_string()),
            "targetId" => fields.target = Some(decoder.str()?.to_string()),
            "message" => fields.message = Some(decoder.str()?.to_string()),
            "sessionId" => fields.session = Some(decoder.str()?.to_string()),
            "documentId" => fields.document = Some(document_id(decoder)?),
            "data" => fields.data = Some(decoder.bytes()?.to_vec()),
            "count" => fields.count = Some(number(decoder)?),
            "supportedProtocolVersions" => {
                let count = decoder.array()?.ok_or_else(|| WireError::Cbor("an array of unknown length".into()))?;
                let versions = (0..count).map(|_| decoder.str().map(str::to_string)).collect::<Result<_, _>>()?;
                fields.versions = Some(versions);
            }
            _ => decoder.skip()?,
        }
    }
    Ok(fields)
}

/// A document id as text (bs58check) or as its 16 bytes.
fn document_id(decoder: &mut Decoder<'_>) -> Result<DocumentId, WireError> {
    if decoder.datatype()? == Type::String {
        return decoder.str()?.parse().map_err(|_| WireError::DocumentId);
    }
    let bytes: [u8; 16] = decoder.bytes()?.try_into().map_err(|_| WireError::DocumentId)?;
    Ok(DocumentId::from_bytes(bytes))
}

/// An unsigned integer, which JavaScript may send as a float.
fn number(decoder: &mut Decoder<'_>) -> Result<u64, WireError> {
    match decoder.datatype()? {
        Type::F16 | Type::F32 | Type::F64 => Ok(decoder.f64()? as u64),
        _ => Ok(decoder.u64()?),
    }
}

type Written = Result<(), minicbor::encode::Error<std::convert::Infallible>>;

fn write(e: &mut Encoder<Vec<u8>>, message: &WireMessage) -> Written {
    match message {
        WireMessage::Join { sender, versions } => {
            e.map(4)?.str("type")?.str("join")?.str("senderId")?.str(sender)?;
            e.str("supportedProtocolVersions")?.array(versions.len() as u64)?;
            for version in versions {
                e.str(version)?;
            }
            // automerge-repo's own servers read the metadata of every join (the npm client
            // always sends it); a peer that writes joins is a client that keeps nothing.
            e.str("peerMetadata")?.map(1)?.str("isEphemeral")?.bool(true)?;
        }
        WireMessage::Peer { sender, target } => {
            e.map(5)?.str("type")?.str("peer")?.str("senderId")?.str(sender)?;
            e.str("selectedProtocolVersion")?.str("1")?.str("targetId")?.str(target)?;
            // The server keeps documents across connections: not ephemeral.
            e.str("peerMetadata")?.map(1)?.str("isEphemeral")?.bool(false)?;
        }
        WireMessage::Leave => {
            e.map(1)?.str("type")?.str("leave")?;
        }
        WireMessage::Request { document, sender, data } => {
            e.map(4)?.str("type")?.str("request")?.str("documentId")?.str(&document.to_string())?;
            e.str("senderId")?.str(sender)?.str("data")?.bytes(data)?;
        }
        WireMessage::Sync { document, sender, target, data } => {
            e.map(5)?.str("type")?.str("sync")?.str("documentId")?.str(&document.to_string())?;
            e.str("senderId")?.str(sender)?.str("targetId")?.str(target)?.str("data")?.bytes(data)?;
        }
        WireMessage::DocUnavailable { document, sender, target } => {
            e.map(4)?.str("type")?.str("doc-unavailable")?.str("senderId")?.str(sender)?;
            e.str("targetId")?.str(target)?.str("documentId")?.str(&document.to_string())?;
        }
        WireMessage::Ephemeral { sender, target, count, session, document, data } => {
            e.map(7)?.str("type")?.str("ephemeral")?.str("senderId")?.str(sender)?.str("targetId")?.str(target)?;
            e.str("count")?.u64(*count)?.str("sessionId")?.str(session)?;
            e.str("documentId")?.str(&document.to_string())?.str("data")?.bytes(data)?;
        }
        WireMessage::Error { message } => {
            e.map(2)?.str("type")?.str("error")?.str("message")?.str(message)?;
        }
        WireMessage::Other(kind) => {
            e.map(1)?.str("type")?.str(kind)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let document = DocumentId::derive("t", "d");
        let messages = [
            WireMessage::Join { sender: "a".into(), versions: vec!["1".into()] },
            WireMessage::Peer { sender: "s".into(), target: "a".into() },
            WireMessage::Request { document, sender: "a".into(), data: vec![1, 2] },
            WireMessage::Sync { document, sender: "a".into(), target: "s".into(), data: vec![3] },
            WireMessage::DocUnavailable { document, sender: "s".into(), target: "a".into() },
            WireMessage::Ephemeral {
                sender: "s".into(),
                target: "a".into(),
                count: 7,
                session: "x".into(),
                document,
                data: vec![9],
            },
            WireMessage::Error { message: "no".into() },
            WireMessage::Leave,
        ];
        for message in messages {
            assert_eq!(WireMessage::decode(&message.encode()).expect("decodes"), message);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for frame in [&[0xff, 0x00][..], b"\xa1\x64type\x64sync", b"", b"\xa1\x64type\x63foo"] {
            assert!(WireMessage::decode(frame).is_err(), "{frame:?}");
        }
    }
}

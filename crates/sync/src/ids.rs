//! Accord's ids in samod's types, and the peer id a token binds a connection to.

use std::fmt;

use accord_core::{DocumentId, ParticipantCode};

/// A participant of a negotiation as a sync peer. Its peer id is
/// `accord:NEGOTIATION:CODE`: the server pins each connection to the peer id
/// of its token, so the share policy can trust it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The negotiation the peer's token opens.
    pub negotiation: DocumentId,
    /// Who the peer is.
    pub participant: ParticipantCode,
}

impl Peer {
    /// Parses a peer id made by [`Peer::peer_id`]; `None` for any other.
    pub fn parse(peer_id: &str) -> Option<Peer> {
        let rest = peer_id.strip_prefix("accord:")?;
        let (negotiation, code) = rest.split_once(':')?;
        Some(Peer { negotiation: negotiation.parse().ok()?, participant: code.parse().ok()? })
    }

    /// The peer id this participant syncs under.
    pub fn peer_id(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "accord:{}:{}", self.negotiation, self.participant)
    }
}

/// Our id as samod's (both are 16 bytes shown in bs58check).
pub(crate) fn to_samod(id: DocumentId) -> samod::DocumentId {
    samod::DocumentId::try_from(id.as_bytes().to_vec()).expect("16 bytes are always a document id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_ids_round_trip_and_foreign_ones_are_refused() {
        let peer = Peer { negotiation: DocumentId::derive("t", "n"), participant: "ITU".parse().expect("code") };
        assert_eq!(Peer::parse(&peer.peer_id()), Some(peer.clone()));
        assert_eq!(Peer::parse("browser-123"), None);
        assert_eq!(Peer::parse("accord:nonsense:ITU"), None);
        let id = DocumentId::derive("t", "doc");
        assert_eq!(to_samod(id).to_string(), id.to_string());
    }
}

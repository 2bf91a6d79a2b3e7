//! Identifiers: document ids, proposal ids and participant codes.
//!
//! Ids are parsed once at the edge (`FromStr`) and carried as newtypes, so the
//! rest of the core never re-checks a string. A [`DocumentId`] is 16 bytes shown
//! as bs58check text, the same form automerge-repo uses for its document URLs,
//! so a negotiation's documents can later be shared with automerge-repo peers as is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::Error;

/// The id of one automerge document (negotiation, participant or proposal).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// An id from 16 bytes the caller chose (randomly, for a new document).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        DocumentId(bytes)
    }

    /// A deterministic id derived from a name, for fixtures and tests whose
    /// ids must be the same on every run.
    pub fn derive(namespace: &str, name: &str) -> Self {
        let digest = Sha256::digest(format!("{namespace}\u{0}{name}"));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        DocumentId(bytes)
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidId(s.to_string());
        let bytes =
            bs58::decode(s.trim_start_matches("automerge:")).with_check(None).into_vec().map_err(|_| invalid())?;
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| invalid())?;
        Ok(DocumentId(bytes))
    }
}

/// Serializes ids as their text form.
macro_rules! serde_as_text {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_text!(DocumentId);
serde_as_text!(ProposalId);
serde_as_text!(ParticipantCode);

/// The id of a proposal: the id of the proposal's own document.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ProposalId(pub DocumentId);

impl fmt::Display for ProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ProposalId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        s.parse().map(ProposalId)
    }
}

/// The short code of a participant, e.g. `ITU` or `UNSEC`: 1 to 16 ASCII
/// letters, digits or hyphens, upper case.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ParticipantCode(String);

impl ParticipantCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ParticipantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ParticipantCode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let valid_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-';
        if s.is_empty() || s.len() > 16 || !s.chars().all(valid_char) {
            return Err(Error::InvalidParticipantCode(s.to_string()));
        }
        Ok(ParticipantCode(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_through_text() {
        let id = DocumentId::derive("test", "one");
        let parsed: DocumentId = id.to_string().parse().expect("parses");
        assert_eq!(parsed, id);
        let url: DocumentId = format!("automerge:{id}").parse().expect("parses url");
        assert_eq!(url, id);
    }

    #[test]
    fn corrupted_document_id_is_rejected() {
        let mut text = DocumentId::derive("test", "one").to_string();
        text.replace_range(0..1, if text.starts_with('2') { "3" } else { "2" });
        assert!(text.parse::<DocumentId>().is_err());
    }

    #[test]
    fn participant_codes_are_upper_case_ascii() {
        assert!("UNESCO".parse::<ParticipantCode>().is_ok());
        assert!("UN-SEC2".parse::<ParticipantCode>().is_ok());
        assert!("itu".parse::<ParticipantCode>().is_err());
        assert!("".parse::<ParticipantCode>().is_err());
        assert!("A B".parse::<ParticipantCode>().is_err());
    }
}

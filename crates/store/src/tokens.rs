//! Sign-in tokens: each grants one participant access to one negotiation.
//! Only their SHA-256 is stored, so a copy of the database signs nobody in.

use accord_core::{DocumentId, ParticipantCode, Timestamp};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

/// Who a token signs in, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The negotiation.
    pub negotiation: DocumentId,
    /// The participant.
    pub participant: ParticipantCode,
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Stores a new token (its hash) for `grant`.
    pub fn add_token(&self, token: &str, grant: &Grant, at: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tokens (hash, negotiation, participant, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash_token(token), grant.negotiation.to_string(), grant.participant.as_str(), at.millis()],
        )?;
        Ok(())
    }

    /// Who `token` signs in, if anyone.
    pub fn grant(&self, token: &str) -> Result<Option<Grant>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row("SELECT negotiation, participant FROM tokens WHERE hash = ?1", [hash_token(token)], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        Ok(row.and_then(|(negotiation, participant)| {
            Some(Grant { negotiation: negotiation.parse().ok()?, participant: participant.parse().ok()? })
        }))
    }
}

//! Sign-in tokens: each grants one participant access to one negotiation,
//! until it expires or is revoked; a secretariat's token grants no
//! negotiation but the right to open new ones (from a draft). Only their
//! SHA-256 is stored, so a copy of the database signs nobody in.

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

/// A new random token (256 bits).
fn new_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Makes a new random sign-in token for `grant` (256 bits), stores its hash
    /// and returns it: the only time it is seen whole.
    pub fn issue_token(&self, grant: &Grant, at: Timestamp, expires: Option<Timestamp>) -> Result<String, StoreError> {
        let token = new_token();
        self.add_token(&token, grant, at, expires)?;
        Ok(token)
    }

    /// Makes a new sign-in token for the secretariat member `name`, as [`Store::issue_token`].
    pub fn issue_secretariat_token(
        &self,
        name: &str,
        at: Timestamp,
        expires: Option<Timestamp>,
    ) -> Result<String, StoreError> {
        let token = new_token();
        self.conn.execute(
            "INSERT INTO secretariat_tokens (hash, name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash_token(&token), name, at.millis(), expires.map(Timestamp::millis)],
        )?;
        Ok(token)
    }

    /// The secretariat member `token` signs in at `now`, if any.
    pub fn secretariat(&self, token: &str, now: Timestamp) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM secretariat_tokens WHERE hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                params![hash_token(token), now.millis()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Stores a new token (its hash) for `grant`, made at `at`, valid until
    /// `expires` (`None`: until revoked).
    pub fn add_token(
        &self,
        token: &str,
        grant: &Grant,
        at: Timestamp,
        expires: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tokens (hash, negotiation, participant, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                hash_token(token),
                grant.negotiation.to_string(),
                grant.participant.as_str(),
                at.millis(),
                expires.map(Timestamp::millis)
            ],
        )?;
        Ok(())
    }

    /// Who `token` signs in at `now`, if anyone (an expired token signs nobody in).
    pub fn grant(&self, token: &str, now: Timestamp) -> Result<Option<Grant>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT negotiation, participant FROM tokens WHERE hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                params![hash_token(token), now.millis()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(negotiation, participant)| {
            Some(Grant { negotiation: negotiation.parse().ok()?, participant: participant.parse().ok()? })
        }))
    }

    /// Revokes the secretariat's tokens issued to `name`, or all of them; how many there were.
    pub fn revoke_secretariat(&self, name: Option<&str>) -> Result<usize, StoreError> {
        Ok(match name {
            Some(name) => self.conn.execute("DELETE FROM secretariat_tokens WHERE name = ?1", params![name])?,
            None => self.conn.execute("DELETE FROM secretariat_tokens", [])?,
        })
    }

    /// Revokes every token of `participant` in `negotiation`; how many there were.
    pub fn revoke(&self, negotiation: DocumentId, participant: &ParticipantCode) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM tokens WHERE negotiation = ?1 AND participant = ?2",
            params![negotiation.to_string(), participant.as_str()],
        )?)
    }
}

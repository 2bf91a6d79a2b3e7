//! Who is asking: the participant a request's token signs in, from an
//! `Authorization: Bearer` header or the HttpOnly session cookie that
//! `POST /api/session` sets (browsers cannot put headers on WebSockets).
//! How a request's token is checked against the store is in [`crate::sign_in`].

use accord_core::{DocumentId, ParticipantCode};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};

use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "accord_session";

/// A signed-in participant of one negotiation.
#[derive(Clone, Debug)]
pub struct Session {
    /// The negotiation the token is for.
    pub negotiation: DocumentId,
    /// Who.
    pub participant: ParticipantCode,
}

impl Session {
    /// Refuses access to any other negotiation than the token's.
    pub fn check_negotiation(&self, id: DocumentId) -> Result<(), ApiError> {
        if id != self.negotiation {
            return Err(ApiError::forbidden(format!("your token is for negotiation {}, not {id}", self.negotiation)));
        }
        Ok(())
    }
}

/// A signed-in member of the secretariat: takes part in no negotiation, opens new ones.
#[derive(Clone, Debug)]
pub struct Secretariat {
    /// The name its token was issued to.
    pub name: String,
}

/// The token of a request: its Bearer header, else its session cookie.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    bearer(headers).or_else(|| cookie(headers))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|token| token.trim().to_string())
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|header| {
        header.split(';').find_map(|pair| pair.trim().strip_prefix(COOKIE_NAME)?.strip_prefix('=').map(str::to_string))
    })
}

//! How a request signs in: the token it carries (see [`crate::session`]) checked against the
//! store, as the extractors handlers take: a [`Session`] (a participant of one negotiation) or
//! the [`Secretariat`]. Before its handler runs, a request without a valid token is answered
//! 401, and a participant's where the secretariat's is needed 403.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::session::{Secretariat, Session, token_of};
use crate::state::AppState;

impl<S: Send + Sync> FromRequestParts<S> for Session
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let (state, token) = asking(parts, state)?;
        let grant = state.grant(&token)?.ok_or_else(ApiError::unauthorized)?;
        Ok(Session { negotiation: grant.negotiation, participant: grant.participant })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Secretariat
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let (state, token) = asking(parts, state)?;
        if let Some(name) = state.secretariat(&token)? {
            return Ok(Secretariat { name });
        }
        match state.grant(&token)? {
            Some(_) => {
                Err(ApiError::forbidden("only the secretariat opens negotiations: ask it for a secretariat link"))
            }
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// The state and the token a request carries (none: 401).
fn asking<S>(parts: &Parts, state: &S) -> Result<(AppState, String), ApiError>
where
    AppState: FromRef<S>,
{
    let token = token_of(&parts.headers).ok_or_else(ApiError::unauthorized)?;
    Ok((AppState::from_ref(state), token))
}

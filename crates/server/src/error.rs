//! `ApiError`: every failure as an HTTP status and a JSON body
//! `{"error": "..."}`. Bad input and refusals by the rules are 4xx with the
//! core's message; failures of the server itself are 5xx, logged, with
//! internals kept out of the response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use accord_core::Error as CoreError;

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: no valid sign-in.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in first: send `Authorization: Bearer TOKEN`, or POST {\"token\": ...} to /api/session",
        )
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 500: the server failed; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server failed to complete the request; it was not applied",
        )
    }

    /// The status.
    /// What the client is told.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<CoreError> for ApiError {
    /// Every error of the core by name, so a new one must be placed here:
    /// refusals by the rules and bad input are 4xx; a document that does not
    /// follow the schema is 422 (content, not a failure of the server).
    fn from(error: CoreError) -> ApiError {
        let status = match &error {
            CoreError::UnknownParticipant(_) | CoreError::UnknownSection(_) | CoreError::UnknownProposal(_) => {
                StatusCode::NOT_FOUND
            }
            CoreError::ObserverCannotWrite(_)
            | CoreError::NotSponsor { .. }
            | CoreError::NotJoined { .. }
            | CoreError::NotChair { .. } => StatusCode::FORBIDDEN,
            CoreError::DuplicateParticipant(_)
            | CoreError::DuplicateSection(_)
            | CoreError::DuplicateProposal(_)
            | CoreError::DuplicateLabel { .. }
            | CoreError::ConsensusNotReached { .. }
            | CoreError::AlreadyAgreed { .. }
            | CoreError::NotAgreed(_)
            | CoreError::AlreadyInPackage { .. }
            | CoreError::SilenceObjected { .. }
            | CoreError::AlreadyUnderSilence { .. }
            | CoreError::Withdrawn(_)
            | CoreError::DocumentNotHeld(_) => StatusCode::CONFLICT,
            CoreError::TooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CoreError::MalformedDocument(..) => StatusCode::UNPROCESSABLE_ENTITY,
            CoreError::InvalidId(_)
            | CoreError::InvalidParticipantCode(_)
            | CoreError::InvalidRole(_)
            | CoreError::InvalidStance(_)
            | CoreError::InvalidSection
            | CoreError::NotYetOpen
            | CoreError::InvalidComment(_)
            | CoreError::InvalidVersion(_)
            | CoreError::InvalidHeads(_)
            | CoreError::UnknownHeads(_)
            | CoreError::ForbiddenCharacter { .. }
            | CoreError::ObjectionNeedsReason
            | CoreError::ReopeningNeedsReason
            | CoreError::PackageTooSmall
            | CoreError::AdRefIsAReservation
            | CoreError::NotInFuture(_)
            | CoreError::EmptyLabel
            | CoreError::EmptyText
            | CoreError::WrongSection { .. }
            | CoreError::SpliceOutOfRange { .. } => StatusCode::BAD_REQUEST,
            CoreError::Automerge(_) | CoreError::Fixture(_) => return ApiError::internal(&error),
        };
        ApiError::new(status, error.to_string())
    }
}

impl From<accord_store::StoreError> for ApiError {
    fn from(error: accord_store::StoreError) -> ApiError {
        ApiError::internal(&error)
    }
}

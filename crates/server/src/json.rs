//! `JsonBody<T>`: a JSON request body whose every failure (wrong content
//! type, too large, not UTF-8, not JSON, wrong shape) is an [`ApiError`]
//! with a message that says what to send instead; and [`FileBody`], a file
//! inside one (every write is JSON, uploads too).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use base64::Engine;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A request body parsed as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.split(';').next().is_some_and(|mime| mime.trim() == "application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large"),
            _ => ApiError::bad_request("the body could not be read"),
        })?;
        if std::str::from_utf8(&bytes).is_err() {
            return Err(ApiError::bad_request("the body is not valid UTF-8"));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// A file in a JSON body: its name (the extension says its format) and its bytes in base64.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    /// The file's name.
    pub name: String,
    base64: String,
}

impl FileBody {
    /// The file's bytes; `field` names where it was sent, for the error.
    pub fn bytes(&self, field: &str) -> Result<Vec<u8>, ApiError> {
        base64::engine::general_purpose::STANDARD.decode(self.base64.as_bytes()).map_err(|_| {
            ApiError::bad_request(format!("{field} is not base64: send the file's bytes in standard base64"))
        })
    }
}

//! Which pages may act with the session cookie. Browsers send the cookie
//! with requests from any page of the same site, a page on another port of
//! the same host included (SameSite does not look at ports), so a write
//! signed in by the cookie must show it comes from this server's own pages:
//! an `Origin` naming this host, or `Sec-Fetch-Site: same-origin`. Writes
//! must also be JSON, which a plain HTML form cannot send. A request with a
//! bearer token comes from a script that holds the token, not from a page.

use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ApiError;

/// Refuses writes that are not JSON, and cookie-signed writes from another page.
pub async fn guard_writes(request: Request, next: Next) -> Result<Response, ApiError> {
    let method = request.method();
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.run(request).await);
    }
    let headers = request.headers();
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) && !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "every write is JSON: send Content-Type: application/json (with {} for no fields)",
        ));
    }
    let by_cookie = !headers.contains_key(AUTHORIZATION) && headers.contains_key(COOKIE);
    if by_cookie && !same_origin(headers) {
        return Err(ApiError::forbidden(
            "a write signed in by the session cookie must come from this server's own pages",
        ));
    }
    Ok(next.run(request).await)
}

/// An `Origin` header, when sent, must name the host the request came to.
pub(crate) fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(ORIGIN) {
        None => Ok(()),
        Some(_) if same_origin(headers) => Ok(()),
        Some(origin) => Err(ApiError::forbidden(format!(
            "live updates are served to pages of this server, not {}",
            origin.to_str().unwrap_or("another origin")
        ))),
    }
}

/// Whether the browser says the request comes from a page of this server.
fn same_origin(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site == Some("same-origin") {
        return true;
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split("://").nth(1) == Some(host)
}

fn is_json(headers: &HeaderMap) -> bool {
    let content_type = headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok());
    content_type.and_then(|value| value.split(';').next()).is_some_and(|mime| mime.trim() == "application/json")
}

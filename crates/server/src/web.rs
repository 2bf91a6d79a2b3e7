//! The browser UI: the static files in web/ (HTML, CSS, plain ES modules,
//! no build step), compiled into the binary so `accord serve` needs nothing
//! beside it. Served with a content security policy that allows only this
//! server: nothing is fetched from anywhere else.

use axum::extract::Path;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Only this server, for scripts, styles, connections (the live socket included) and images.
const POLICY: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/// The assets, by name: (name, content type, bytes).
const ASSETS: &[(&str, &str, &str)] = &[
    ("style.css", "text/css; charset=utf-8", include_str!("../../../web/assets/style.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/app.js")),
    ("api.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/api.js")),
    ("dom.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/dom.js")),
    ("overview.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/overview.js")),
    ("section.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/section.js")),
    ("editor.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/editor.js")),
    ("state.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/state.js")),
    ("desk.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/desk.js")),
    ("roster.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/roster.js")),
    ("procedures.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/procedures.js")),
    ("chart.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/chart.js")),
    ("opening.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/opening.js")),
    ("notices.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/notices.js")),
    ("files.js", "text/javascript; charset=utf-8", include_str!("../../../web/assets/files.js")),
    ("favicon.svg", "image/svg+xml", include_str!("../../../web/assets/favicon.svg")),
];

/// `GET /`: the single page.
pub async fn index() -> Response {
    page("text/html; charset=utf-8", include_str!("../../../web/index.html"))
}

/// `GET /assets/{file}`.
pub async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| ApiError::not_found(format!("no asset {file}")))?;
    Ok(page(content_type, body))
}

fn page(content_type: &'static str, body: &'static str) -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body).into_response()
}

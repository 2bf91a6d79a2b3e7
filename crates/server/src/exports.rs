//! The agreed draft as files, for the secretariat: `GET …/export` in every
//! format, "for approval" (refused while a section is open, naming what
//! blocks it) or as tracked changes since the version that was circulated;
//! and `POST …/verify`, which says whether a file says what the version it
//! names says. The rules are accord-export's, as for `accord export` and
//! `accord verify`, so the browser and the command line answer alike.

use std::collections::HashMap;

use accord_core::{Negotiation, Version};
use accord_export::{Format, Verdict};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::negotiation_id;
use crate::error::ApiError;
use crate::json::{FileBody, JsonBody};
use crate::session::Session;
use crate::state::AppState;

/// `GET /api/negotiations/{id}/export?format=md&for_approval=true&against=VERSION|TIME`.
#[utoipa::path(get, path = "/api/negotiations/{id}/export", tag = "reading",
    params(("id" = String, Path), ("format" = Option<String>, Query, description = "md, html, akn or docx"),
        ("for_approval" = Option<bool>, Query, description = "Refuse (409, naming each open section and what blocks it) unless every section is agreed"),
        ("against" = Option<String>, Query, description = "DOCX only: tracked changes since this version (as an export names it) or time (RFC 3339), e.g. the circulated draft's")),
    responses((status = 200, description = "The agreed draft"), (status = 400, description = "Unknown format, or against without docx"),
        (status = 409, description = "Not ready for approval")))]
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let id = negotiation_id(&session, &id)?;
    let format: Format =
        query.get("format").map(String::as_str).unwrap_or("md").parse().map_err(ApiError::bad_request)?;
    let for_approval = query.get("for_approval").is_some_and(|value| value == "true");
    let against = query.get("against");
    if against.is_some() && format != Format::Docx {
        return Err(ApiError::bad_request("against shows tracked changes: ask for format=docx"));
    }
    let bytes = state.read(id, |n| {
        if for_approval {
            accord_export::ready_for_approval(&n.view()?)
                .map_err(|not_ready| ApiError::new(StatusCode::CONFLICT, not_ready.to_string()))?;
        }
        let since = against.map(|against| version_at(n, against)).transpose()?;
        Ok(accord_export::export(n, format, since.as_ref())?)
    })?;
    let content_type = match format {
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
        Format::Akn => "application/akn+xml; charset=utf-8",
        Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    };
    let extension = match format {
        Format::Akn => "xml".to_string(),
        other => other.to_string(),
    };
    let disposition = format!("attachment; filename=\"agreed-draft-{id}.{extension}\"");
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|e| ApiError::internal(&e))?),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        // An exported page runs nothing and fetches nothing: its style is inline.
        (CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'")),
    ];
    Ok((headers, bytes).into_response())
}

/// The version `against` names (see [`accord_export::version_against`]).
fn version_at(negotiation: &Negotiation, against: &str) -> Result<Version, ApiError> {
    accord_export::version_against(negotiation, against).map_err(|error| match error {
        accord_export::BadAgainst::Neither(_) => ApiError::bad_request(format!("against {error}")),
        accord_export::BadAgainst::Negotiation(error) => error.into(),
    })
}

/// `POST /api/negotiations/{id}/verify {name, base64}`: whether an exported file says what the
/// version it names says.
#[utoipa::path(post, path = "/api/negotiations/{id}/verify", request_body = FileBody, tag = "reading",
    params(("id" = String, Path)),
    responses((status = 200, description = "`{verdict: same|resaved|changed, fingerprint, version, differences: [{section, title, redline}]}`"),
        (status = 400, description = "Not base64, or not an export of Accord"), (status = 409, description = "A version this server does not hold")))]
pub async fn verify(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FileBody>,
) -> Result<Json<Value>, ApiError> {
    let id = negotiation_id(&session, &id)?;
    let bytes = body.bytes("base64")?;
    let checked = state.read(id, |n| {
        accord_export::verify(n, &bytes).map_err(|error| match error {
            accord_export::Unverifiable::NotAnExport => {
                ApiError::bad_request(format!("{} names no version: it is not an export of Accord", body.name))
            }
            accord_export::Unverifiable::UnknownVersion(_) => ApiError::new(StatusCode::CONFLICT, error.to_string()),
            accord_export::Unverifiable::Core(error) => error.into(),
        })
    })?;
    let (verdict, differences) = match &checked.verdict {
        Verdict::SameBytes => ("same", Vec::new()),
        Verdict::Resaved => ("resaved", Vec::new()),
        Verdict::Changed(differences) => ("changed", differences.iter().collect()),
    };
    let differences: Vec<Value> = differences
        .into_iter()
        .map(|d| {
            let title = d.section.and_then(|n| checked.sections.iter().find(|(number, _)| *number == n));
            json!({ "section": d.section, "title": title.map(|(_, t)| t), "redline": d.redline })
        })
        .collect();
    Ok(Json(json!({
        "verdict": verdict, "fingerprint": checked.version.fingerprint(), "version": checked.version.to_string(),
        "differences": differences,
    })))
}

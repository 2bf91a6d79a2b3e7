//! `POST /api/negotiations`: the secretariat opens a negotiation from its
//! draft (a Word document or Markdown, sent in the JSON body as base64, as
//! every write is JSON), naming the chair; the chair's sign-in link is
//! answered once. The draft is read by accord-import and the negotiation made
//! by the core's own writes, so a draft the rules refuse (a character not
//! allowed, a title too long) is answered as such a write is, and nothing is stored.

use accord_core::{NewParticipant, Role};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json::{FileBody, JsonBody};
use crate::session::Secretariat;
use crate::state::AppState;

/// The largest body of this route: the largest draft in base64 (4/3), and the rest.
pub const MAX_OPENING_BODY: usize = accord_import::MAX_DRAFT_BYTES / 3 * 4 + 64 * 1024;

/// The body of `POST /api/negotiations`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    title: String,
    chair: ChairBody,
    draft: FileBody,
}

/// Who chairs the new negotiation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChairBody {
    code: String,
    name: String,
}

/// `POST /api/negotiations {title, chair: {code, name}, draft: {name, base64}}`: opens a
/// negotiation with a section per topic of the draft (secretariat only).
#[utoipa::path(post, path = "/api/negotiations", request_body = Opening, tag = "negotiations",
    responses((status = 201, description = "`{id, title, sections, chair: {code, token, link, expires}}`"),
        (status = 400, description = "Not a draft, or it breaks a rule (the message says why and what to do)"),
        (status = 403, description = "Not the secretariat"), (status = 413, description = "Draft too large")))]
pub async fn open(
    State(state): State<AppState>,
    secretariat: Secretariat,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Opening>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let bytes = body.draft.bytes("draft.base64")?;
    // Reading a Word document is CPU work: the async worker hands its other tasks over meanwhile.
    let draft = tokio::task::block_in_place(|| accord_import::read_draft(&body.draft.name, &bytes));
    let draft = draft.map_err(import_error)?;
    let code = body.chair.code.parse()?;
    let chair = NewParticipant { code, name: body.chair.name, role: Role::Chair };
    let by = accord_core::Attribution::new(chair.code.clone(), crate::room::now());
    let id = crate::api::random_document_id();
    let mut negotiation = accord_import::open_negotiation(id, &body.title, chair, &draft, state.replica(), &by)?;
    state.store_new(&mut negotiation)?;
    tracing::info!(negotiation = %id, by = secretariat.name, sections = draft.sections.len(), "opened from a draft");
    let expires = crate::api::invitation_expiry(by.at);
    let grant = accord_store::Grant { negotiation: id, participant: by.by.clone() };
    let token = state.issue(&grant, Some(expires))?;
    let link = format!("{}/#token={token}", crate::api::origin_of(&headers));
    let answer = json!({
        "id": id, "title": body.title, "sections": draft.sections.len(),
        "left_out": draft.before_first_heading,
        "chair": { "code": by.by, "token": token, "link": link, "expires": expires },
    });
    Ok((StatusCode::CREATED, Json(answer)))
}

fn import_error(error: accord_import::ImportError) -> ApiError {
    match error {
        accord_import::ImportError::TooLarge { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, error.to_string()),
        _ => ApiError::bad_request(error.to_string()),
    }
}

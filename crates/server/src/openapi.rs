//! The API described as OpenAPI 3, served at `/api/openapi.json`, generated
//! from the handlers' annotations so it cannot drift from the routes.

use axum::Json;
use utoipa::OpenApi;

use crate::{api, exports, json, opening};

/// The OpenAPI document of the JSON API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord API",
        description = "Negotiate the exact wording of a text and prove what was agreed. \
        Sign in with `Authorization: Bearer TOKEN` (from `accord invite`) or the session cookie set by POST /api/session. \
        Errors are JSON `{\"error\": ...}`. The live WebSocket is GET /api/negotiations/{id}/live."
    ),
    paths(
        api::health,
        api::sign_in,
        api::sign_out,
        api::me,
        api::list,
        api::negotiation,
        api::propose,
        api::edit_text,
        api::stance,
        api::cosponsor,
        api::withdraw,
        api::comment,
        api::adopt,
        api::redline,
        api::compromise,
        api::convergence,
        api::history,
        exports::export,
        exports::verify,
        api::deadline,
        api::add_participant,
        api::invite,
        api::revoke,
        api::reopen,
        api::package,
        api::silence,
        opening::open
    ),
    components(schemas(
        opening::Opening,
        json::FileBody,
        api::PackageBody,
        api::SilenceBody,
        opening::ChairBody,
        api::SignIn,
        api::ProposalBody,
        api::TextBody,
        api::StanceBody,
        api::CommentBody,
        api::AdoptBody,
        api::DeadlineBody,
        api::ParticipantBody,
        api::ReopenBody
    ))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

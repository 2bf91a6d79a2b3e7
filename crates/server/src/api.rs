//! The JSON API under `/api`: everything the `accord` command can do, for
//! browsers and scripts. Handlers parse, check the session, and call the
//! core through [`AppState`], one call per request; the rules themselves live in accord-core.

use std::collections::HashMap;
use std::sync::Arc;

use accord_core::authorship::Since;
use accord_core::automerge::ChangeHash;
use accord_core::{DocumentId, NegotiationView, NewParticipant, NewProposal, ParticipantCode, ProposalId, StanceKind};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json::JsonBody;
use crate::session::{COOKIE_NAME, Session};
use crate::state::AppState;
use crate::sync::SyncService;

/// `POST /api/session {token}`: checks a token and sets the session cookie.
#[utoipa::path(post, path = "/api/session", request_body = SignIn, tag = "session",
    responses((status = 200, description = "Signed in; sets the HttpOnly session cookie"), (status = 401, description = "Unknown token")))]
pub async fn sign_in(State(state): State<AppState>, JsonBody(body): JsonBody<SignIn>) -> Result<Response, ApiError> {
    let me = who(&state, &body.token)?;
    let cookie = format!("{COOKIE_NAME}={}; HttpOnly; SameSite=Strict; Path=/", body.token);
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|_| ApiError::bad_request("the token has characters a cookie cannot hold"))?;
    Ok(([(SET_COOKIE, cookie)], Json(me)).into_response())
}

/// `DELETE /api/session`: signs out (the browser forgets the session cookie).
#[utoipa::path(delete, path = "/api/session", tag = "session", responses((status = 204, description = "Signed out")))]
pub async fn sign_out() -> Response {
    let cookie = HeaderValue::from_static("accord_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    (StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response()
}

/// The body of `POST /api/session`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    token: String,
}

/// `GET /api/me`: who the session is.
#[utoipa::path(get, path = "/api/me", tag = "session", responses((status = 200, description = "Who the session is"), (status = 401, description = "Not signed in")))]
pub async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let token = crate::session::token_of(&headers).ok_or_else(ApiError::unauthorized)?;
    Ok(Json(who(&state, &token)?))
}

/// Who `token` signs in: a participant of a negotiation, or a member of the
/// secretariat (`{"secretariat": name}`), who opens negotiations.
fn who(state: &AppState, token: &str) -> Result<Value, ApiError> {
    if let Some(grant) = state.grant(token)? {
        return me_json(state, &Session { negotiation: grant.negotiation, participant: grant.participant });
    }
    let name = state.secretariat(token)?.ok_or_else(ApiError::unauthorized)?;
    Ok(json!({ "secretariat": name }))
}

fn me_json(state: &AppState, session: &Session) -> Result<Value, ApiError> {
    let view = view_of(state, session.negotiation)?;
    let participant = view.participants.iter().find(|p| p.code == session.participant);
    let (name, role) = participant.map(|p| (p.name.clone(), p.role.as_str())).unwrap_or_default();
    Ok(json!({
        "participant": session.participant,
        "name": name,
        "role": role,
        "negotiation": session.negotiation,
        "title": view.title,
        "peer_id": accord_sync::Peer { negotiation: session.negotiation, participant: session.participant.clone() }.peer_id(),
    }))
}

/// `GET /api/negotiations`: the negotiations the session may read.
#[utoipa::path(get, path = "/api/negotiations", tag = "negotiations", responses((status = 200, description = "The negotiations the session may read")))]
pub async fn list(State(state): State<AppState>, session: Session) -> Result<Json<Value>, ApiError> {
    let view = view_of(&state, session.negotiation)?;
    Ok(Json(json!([{ "id": view.id, "title": view.title }])))
}

/// `GET /api/negotiations/{id}`: the full view (as `accord status --json`).
#[utoipa::path(get, path = "/api/negotiations/{id}", tag = "negotiations", params(("id" = String, Path, description = "Negotiation id")),
    responses((status = 200, description = "The full view, as `accord status --json`, with each proposal's heads, and its `ETag`"),
        (status = 304, description = "`If-None-Match` names the current version"), (status = 403, description = "Another negotiation")))]
pub async fn negotiation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = negotiation_id(&session, &id)?;
    let served = state.view(id)?;
    // Browsers revalidate every time (no-cache): the view changes with every edit.
    let tagged = [(header::ETAG, served.etag.clone()), (header::CACHE_CONTROL, "no-cache".into())];
    let known = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if known.is_some_and(|tags| served.matches(tags)) {
        return Ok((StatusCode::NOT_MODIFIED, tagged).into_response());
    }
    let gzip = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(accepts_gzip);
    let vary = [(header::VARY, "Accept-Encoding")];
    if gzip {
        let encoding = [(header::CONTENT_ENCODING, "gzip")];
        // Compressing a large view takes milliseconds, once per version: off the async thread.
        let body = tokio::task::block_in_place(|| served.gzip())?;
        return Ok(([(CONTENT_TYPE, "application/json")], encoding, vary, tagged, body).into_response());
    }
    let body = tokio::task::block_in_place(|| served.json())?;
    Ok(([(CONTENT_TYPE, "application/json")], vary, tagged, body).into_response())
}

/// The body of a new proposal.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    label: String,
    text: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    cosponsors: Vec<ParticipantCode>,
}

/// `POST /api/negotiations/{id}/sections/{number}/proposals`: `{id}`, 201.
#[utoipa::path(post, path = "/api/negotiations/{id}/sections/{number}/proposals", tag = "proposals", request_body = ProposalBody,
    params(("id" = String, Path), ("number" = u32, Path)),
    responses((status = 201, description = "`{id}` of the new proposal"), (status = 403, description = "Observers cannot propose"), (status = 409, description = "Label taken")))]
pub async fn propose(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
    JsonBody(body): JsonBody<ProposalBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    negotiation_id(&session, &id)?;
    let section = section_number(&number)?;
    let proposal = ProposalId(random_document_id());
    let new = NewProposal {
        id: proposal,
        section,
        label: body.label,
        text: body.text,
        rationale: body.rationale,
        cosponsors: body.cosponsors,
    };
    state.write(&session, |n, by| n.propose(new, by))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": proposal }))))
}

/// The body of a text edit from a browser.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    text: String,
    base_heads: Vec<String>,
}

/// `PUT /api/proposals/{id}/text {text, base_heads}`: `{text, heads}`, the merged result.
#[utoipa::path(put, path = "/api/proposals/{id}/text", tag = "proposals", request_body = TextBody, params(("id" = String, Path)),
    responses((status = 200, description = "`{text, heads}`: the merged text"), (status = 403, description = "Not a sponsor")))]
pub async fn edit_text(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TextBody>,
) -> Result<Json<Value>, ApiError> {
    let proposal: ProposalId = id.parse()?;
    let heads = body
        .base_heads
        .iter()
        .map(|h| {
            h.parse::<ChangeHash>()
                .map_err(|_| ApiError::bad_request(format!("base_heads: {h:?} is not a change hash")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ((text, heads), seq) =
        state.write_counted(&session, |n, by| n.edit_proposal_at(&proposal, &heads, &body.text, by))?;
    let heads: Vec<String> = heads.iter().map(ToString::to_string).collect();
    Ok(Json(json!({ "text": text, "heads": heads, "seq": seq })))
}

/// The body of a stance.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StanceBody {
    stance: String,
    #[serde(default)]
    reason: String,
    /// With `reserve`: accepted ad referendum, headquarters confirming by this time (RFC 3339).
    #[serde(default)]
    ad_ref_until: Option<String>,
}

/// `PUT /api/proposals/{id}/stances/{code} {stance, reason, ad_ref_until?}`: only one's own stance.
#[utoipa::path(put, path = "/api/proposals/{id}/stances/{code}", tag = "stances", request_body = StanceBody,
    params(("id" = String, Path), ("code" = String, Path, description = "Must be your own code")),
    responses((status = 200, description = "Recorded"), (status = 400, description = "Objection without reason"), (status = 403, description = "Someone else's stance, or an observer")))]
pub async fn stance(
    State(state): State<AppState>,
    session: Session,
    Path((id, code)): Path<(String, String)>,
    JsonBody(body): JsonBody<StanceBody>,
) -> Result<Json<Value>, ApiError> {
    let proposal: ProposalId = id.parse()?;
    if code != session.participant.as_str() {
        return Err(ApiError::forbidden(format!(
            "you are signed in as {}: you can record only your own stance",
            session.participant
        )));
    }
    let kind: StanceKind = body.stance.parse()?;
    let until = body.ad_ref_until.as_deref().map(time_of).transpose()?;
    match until {
        Some(_) if kind != StanceKind::Reserve => return Err(accord_core::Error::AdRefIsAReservation.into()),
        Some(until) => state.write(&session, |n, by| n.record_ad_ref(&proposal, until, &body.reason, by))?,
        None => state.write(&session, |n, by| n.record_stance(&proposal, kind, &body.reason, by))?,
    }
    Ok(Json(json!({ "stance": kind, "reason": body.reason.trim(), "ad_ref_until": until })))
}

/// `POST /api/proposals/{id}/cosponsor`: joins a proposal one was named a co-sponsor of.
#[utoipa::path(post, path = "/api/proposals/{id}/cosponsor", tag = "proposals", params(("id" = String, Path)),
    responses((status = 204, description = "Joined"), (status = 403, description = "Not named a co-sponsor")))]
pub async fn cosponsor(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let proposal: ProposalId = id.parse()?;
    state.write(&session, |n, by| n.cosponsor(&proposal, by))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/proposals/{id}/withdraw`: sponsors withdraw a proposal.
#[utoipa::path(post, path = "/api/proposals/{id}/withdraw", tag = "proposals", params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 403, description = "Not a sponsor")))]
pub async fn withdraw(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let proposal: ProposalId = id.parse()?;
    state.write(&session, |n, by| n.withdraw(&proposal, by))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of a comment: a passage (character offsets in the current text) and what to say.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    start: usize,
    end: usize,
    text: String,
}

/// `POST /api/proposals/{id}/comments {start, end, text}`: `{id}`, 201.
#[utoipa::path(post, path = "/api/proposals/{id}/comments", tag = "comments", request_body = CommentBody, params(("id" = String, Path)),
    responses((status = 201, description = "`{id}` of the comment"), (status = 400, description = "Passage outside the text, or empty comment"), (status = 403, description = "Observers write nothing")))]
pub async fn comment(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CommentBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let proposal: ProposalId = id.parse()?;
    let comment = uuid::Uuid::new_v4().simple().to_string();
    state.write(&session, |n, by| n.comment(&proposal, &comment, body.start, body.end, &body.text, by))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": comment }))))
}

/// The body of an adoption.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptBody {
    proposal: String,
}

/// `POST /api/negotiations/{id}/sections/{number}/adopt {proposal}`.
#[utoipa::path(post, path = "/api/negotiations/{id}/sections/{number}/adopt", tag = "adoption", request_body = AdoptBody,
    params(("id" = String, Path), ("number" = u32, Path)),
    responses((status = 200, description = "The section, now agreed"), (status = 403, description = "Not chair or convenor"), (status = 409, description = "Consensus not reached: who blocks and why")))]
pub async fn adopt(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
    JsonBody(body): JsonBody<AdoptBody>,
) -> Result<Json<Value>, ApiError> {
    negotiation_id(&session, &id)?;
    let section = section_number(&number)?;
    let proposal: ProposalId = body.proposal.parse()?;
    let agreed = state.write(&session, |n, by| {
        n.adopt(section, &proposal, by)?;
        Ok(n.view()?.section(section).cloned())
    })?;
    Ok(Json(json!({ "section": agreed })))
}

/// The body of a deadline.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineBody {
    /// RFC 3339, e.g. `2026-12-12T17:00:00Z`.
    deadline: String,
}

/// `PUT /api/negotiations/{id}/deadline {deadline}`: the end of the consultation window.
#[utoipa::path(put, path = "/api/negotiations/{id}/deadline", tag = "negotiations", request_body = DeadlineBody,
    params(("id" = String, Path)),
    responses((status = 200, description = "`{deadline}` in milliseconds since 1970"), (status = 400, description = "Not a time"), (status = 403, description = "Not chair or convenor")))]
pub async fn deadline(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DeadlineBody>,
) -> Result<Json<Value>, ApiError> {
    negotiation_id(&session, &id)?;
    let at = time_of(&body.deadline)?;
    state.write(&session, |n, by| n.set_deadline(at, by))?;
    Ok(Json(json!({ "deadline": at })))
}

/// The body of `POST …/sections/{number}/silence`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SilenceBody {
    /// The proposal put under silence.
    proposal: String,
    /// When silence ends (RFC 3339): adopted then unless a member objects before.
    until: String,
}

/// `POST /api/negotiations/{id}/sections/{number}/silence {proposal, until}`: the silence procedure.
#[utoipa::path(post, path = "/api/negotiations/{id}/sections/{number}/silence", tag = "negotiations", request_body = SilenceBody,
    params(("id" = String, Path), ("number" = u32, Path)),
    responses((status = 201, description = "`{proposal, until}`: under silence"), (status = 400, description = "Not a time, or not later than now"), (status = 403, description = "Not chair or convenor"), (status = 409, description = "Agreed, already under silence, objected to or withdrawn")))]
pub async fn silence(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
    JsonBody(body): JsonBody<SilenceBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    negotiation_id(&session, &id)?;
    let number = section_number(&number)?;
    let proposal: ProposalId = body.proposal.parse()?;
    let until = time_of(&body.until)?;
    state.write(&session, |n, by| n.silence(number, &proposal, until, by))?;
    Ok((StatusCode::CREATED, Json(json!({ "proposal": proposal, "until": until }))))
}

/// The body of `POST …/packages`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageBody {
    sections: Vec<u32>,
}

/// `POST /api/negotiations/{id}/packages {sections}`: puts sections in one package (chair,
/// convenors): nothing in it is agreed until everything is.
#[utoipa::path(post, path = "/api/negotiations/{id}/packages", tag = "negotiations", request_body = PackageBody,
    params(("id" = String, Path)),
    responses((status = 201, description = "`{sections}`"), (status = 400, description = "Fewer than two sections"),
        (status = 403, description = "Not chair or convenor"), (status = 404, description = "No such section"),
        (status = 409, description = "A section already in a package")))]
pub async fn package(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PackageBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    negotiation_id(&session, &id)?;
    state.write(&session, |n, by| n.package(&body.sections, by))?;
    Ok((StatusCode::CREATED, Json(json!({ "sections": body.sections }))))
}

/// The body of a new participant.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantBody {
    code: String,
    name: String,
    /// chair, convenor, member or observer.
    role: String,
}

/// `POST /api/negotiations/{id}/participants {code, name, role}`: 201 `{code}` (chair, convenors).
#[utoipa::path(post, path = "/api/negotiations/{id}/participants", tag = "participants", request_body = ParticipantBody,
    params(("id" = String, Path)),
    responses((status = 201, description = "`{code}` of the new participant"), (status = 403, description = "Not chair or convenor"), (status = 409, description = "The code is taken")))]
pub async fn add_participant(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ParticipantBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    negotiation_id(&session, &id)?;
    let code: ParticipantCode = body.code.parse()?;
    let new = NewParticipant { code: code.clone(), name: body.name, role: body.role.parse()? };
    state.write(&session, |n, by| n.add_participant(new, by))?;
    Ok((StatusCode::CREATED, Json(json!({ "code": code }))))
}

/// How long a sign-in link made in the browser signs in: as `accord invite`'s default.
const INVITE_VALID_FOR_MS: i64 = 30 * 24 * 3600 * 1000;

/// When a sign-in link made at `at` in the browser expires (the chair's first
/// link from the secretariat's upload, or a new link from the desk).
pub(crate) fn invitation_expiry(at: accord_core::Timestamp) -> accord_core::Timestamp {
    accord_core::Timestamp(at.0.saturating_add(INVITE_VALID_FOR_MS))
}

/// `POST /api/negotiations/{id}/participants/{code}/invite`: a new sign-in token for a
/// participant and its link, valid 30 days (chair, convenors). The token is shown once.
#[utoipa::path(post, path = "/api/negotiations/{id}/participants/{code}/invite", tag = "participants",
    params(("id" = String, Path), ("code" = String, Path)),
    responses((status = 201, description = "`{token, link, expires}`"), (status = 403, description = "Not chair or convenor"), (status = 404, description = "No such participant")))]
pub async fn invite(
    State(state): State<AppState>,
    session: Session,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let code = chaired_participant(&state, &session, &id, &code, "invite participants")?;
    let expires = invitation_expiry(crate::room::now());
    let grant = accord_store::Grant { negotiation: session.negotiation, participant: code };
    let token = state.issue(&grant, Some(expires))?;
    let link = format!("{}/#token={token}", origin_of(&headers));
    Ok((StatusCode::CREATED, Json(json!({ "token": token, "link": link, "expires": expires }))))
}

/// `DELETE /api/negotiations/{id}/participants/{code}/invite`: ends every sign-in token of
/// a participant, its open sessions included (chair, convenors).
#[utoipa::path(delete, path = "/api/negotiations/{id}/participants/{code}/invite", tag = "participants",
    params(("id" = String, Path), ("code" = String, Path)),
    responses((status = 200, description = "`{revoked}`: how many tokens ended"), (status = 403, description = "Not chair or convenor"), (status = 404, description = "No such participant")))]
pub async fn revoke(
    State(state): State<AppState>,
    session: Session,
    Path((id, code)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let code = chaired_participant(&state, &session, &id, &code, "revoke sign-in links")?;
    let revoked = state.revoke(session.negotiation, &code)?;
    Ok(Json(json!({ "revoked": revoked })))
}

/// `code` as a participant of the session's negotiation `id`, when the session chairs it
/// (the core's rule, as for every chair's write).
fn chaired_participant(
    state: &AppState,
    session: &Session,
    id: &str,
    code: &str,
    action: &'static str,
) -> Result<ParticipantCode, ApiError> {
    let id = negotiation_id(session, id)?;
    let code: ParticipantCode = code.parse()?;
    state.read(id, |n| {
        n.check_chairs(&session.participant, action)?;
        match n.view()?.participants.iter().any(|p| p.code == code) {
            true => Ok(code),
            false => Err(ApiError::not_found(format!("{code} does not take part in this negotiation"))),
        }
    })
}

/// Where this server is, as the browser reached it: the `Origin` it sent, else its `Host` over http.
pub(crate) fn origin_of(headers: &HeaderMap) -> String {
    let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    match (header(header::ORIGIN), header(header::HOST)) {
        (Some(origin), _) => origin.to_string(),
        (None, Some(host)) => format!("http://{host}"),
        (None, None) => String::new(),
    }
}

/// The body of a reopening.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    reason: String,
}

/// `POST /api/negotiations/{id}/sections/{number}/reopen {reason}`: an agreed section opened again.
#[utoipa::path(post, path = "/api/negotiations/{id}/sections/{number}/reopen", tag = "adoption", request_body = ReopenBody,
    params(("id" = String, Path), ("number" = u32, Path)),
    responses((status = 200, description = "The section, open again"), (status = 400, description = "No reason"), (status = 403, description = "Not chair or convenor"), (status = 409, description = "The section is not agreed")))]
pub async fn reopen(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
    JsonBody(body): JsonBody<ReopenBody>,
) -> Result<Json<Value>, ApiError> {
    negotiation_id(&session, &id)?;
    let section = section_number(&number)?;
    let reopened = state.write(&session, |n, by| {
        n.reopen(section, &body.reason, by)?;
        Ok(n.view()?.section(section).cloned())
    })?;
    Ok(Json(json!({ "section": reopened })))
}

/// `GET /api/negotiations/{id}/sections/{number}/redline?from=base|ID&to=ID`, or
/// `?to=ID&since=TIME`: what changed in that proposal since then, by whom; or
/// `?from=stance&to=ID`: what changed since the signed-in participant gave its stance on it.
#[utoipa::path(get, path = "/api/negotiations/{id}/sections/{number}/redline", tag = "reading",
    params(("id" = String, Path), ("number" = u32, Path), ("from" = Option<String>, Query, description = "`base`, a proposal id, or `stance`: since your stance on `to`, each run with `by` and `at`"), ("to" = String, Query, description = "A proposal id"), ("since" = Option<String>, Query, description = "A time (RFC 3339): the changes to `to` since then, each run with `by` and `at`")),
    responses((status = 200, description = "Segments (and similarity, without since)")))]
pub async fn redline(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let negotiation = negotiation_id(&session, &id)?;
    let view = view_of(&state, negotiation)?;
    let section = view.section(section_number(&number)?).ok_or_else(|| ApiError::not_found("no such section"))?;
    let proposal_of = |which: &str| -> Result<&accord_core::ProposalView, ApiError> {
        let id: ProposalId = which.parse()?;
        let proposal = section.proposals.iter().find(|p| p.id == id);
        proposal.ok_or_else(|| ApiError::not_found(format!("section {} has no proposal {id}", section.number)))
    };
    let to = proposal_of(
        query.get("to").ok_or_else(|| ApiError::bad_request("say which text to compare with: ?to=PROPOSAL_ID"))?,
    )?;
    if query.get("from").map(String::as_str) == Some("stance") {
        let (id, label, me) = (to.id, to.label.clone(), session.participant.clone());
        let segments = state.read(negotiation, |n| {
            let heads = n.stance_heads(&me, &id)?;
            let heads = heads.ok_or_else(|| ApiError::not_found(format!("you have no stance on {label}")))?;
            Ok(n.authored_redline(&id, Since::Heads(&heads), None)?)
        })?;
        let stance = to.stances.get(&session.participant);
        return Ok(Json(json!({ "segments": segments, "stance": stance })));
    }
    if let Some(since) = query.get("since") {
        let at = time_of(since)?;
        let id = to.id;
        let segments = state.read(negotiation, |n| {
            let heads = n.as_of(at).ok().and_then(|then| then.version().heads_of(&id.0)).unwrap_or_default();
            Ok(n.authored_redline(&id, Since::Heads(&heads), None)?)
        })?;
        return Ok(Json(json!({ "segments": segments })));
    }
    let from = match query.get("from").map(String::as_str).unwrap_or("base") {
        "base" => section.base_text.as_str(),
        other => proposal_of(other)?.text.as_str(),
    };
    let redline = accord_core::redline::redline(from, &to.text);
    let hunks = accord_core::substance::hunks(&redline.segments);
    Ok(Json(json!({ "segments": redline.segments, "similarity": redline.similarity, "hunks": hunks })))
}

/// A time as RFC 3339 (`2026-11-03T12:00:00Z`).
pub(crate) fn time_of(text: &str) -> Result<accord_core::Timestamp, ApiError> {
    accord_export::parse_time(text).map_err(ApiError::bad_request)
}

/// `GET /api/negotiations/{id}/sections/{number}/compromise`.
#[utoipa::path(get, path = "/api/negotiations/{id}/sections/{number}/compromise", tag = "reading",
    params(("id" = String, Path), ("number" = u32, Path)), responses((status = 200, description = "The compromise draft: text, parts (common text, or each wording with its labels and sponsors), pieces to render it (common, open, label, wording, separator, close), and against_leading: the other live proposals' substantive and editorial hunks against the one most accept, and whether only editorial ones remain")))]
pub async fn compromise(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let view = view_of(&state, negotiation_id(&session, &id)?)?;
    let section = view.section(section_number(&number)?).ok_or_else(|| ApiError::not_found("no such section"))?;
    let compromise = section.compromise();
    let pieces = compromise.pieces();
    let mut answer = json!(compromise);
    answer["pieces"] = json!(pieces);
    answer["against_leading"] = json!(accord_core::substance::against_leading(section));
    answer["bracket_kinds"] = json!(accord_core::substance::bracket_kinds(&compromise));
    Ok(Json(answer))
}

/// The most points a convergence chart gets (spread over the section's history).
const CONVERGENCE_POINTS: usize = 60;

/// `GET /api/negotiations/{id}/sections/{number}/convergence`: the section over time.
#[utoipa::path(get, path = "/api/negotiations/{id}/sections/{number}/convergence", tag = "reading",
    params(("id" = String, Path), ("number" = u32, Path)), responses((status = 200, description = "Points in time: text gap, accepting members, objections, status"), (status = 404, description = "No such section")))]
pub async fn convergence(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = negotiation_id(&session, &id)?;
    let number = section_number(&number)?;
    if view_of(&state, id)?.section(number).is_none() {
        return Err(ApiError::not_found(format!("no section {number}")));
    }
    let points = state.read(id, |n| Ok(accord_core::trend::history(n, number, CONVERGENCE_POINTS)?))?;
    Ok(Json(json!(points)))
}

/// `GET /api/negotiations/{id}/history?section=N&since=TIME`.
#[utoipa::path(get, path = "/api/negotiations/{id}/history", tag = "reading",
    params(("id" = String, Path), ("section" = Option<u32>, Query),
        ("since" = Option<String>, Query, description = "A time (RFC 3339): only the changes after it (what changed since one's last visit)")),
    responses((status = 200, description = "Attributed changes, oldest first"), (status = 400, description = "Not a time")))]
pub async fn history(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let id = negotiation_id(&session, &id)?;
    let section = query.get("section").map(|s| section_number(s)).transpose()?;
    let since = query.get("since").map(|since| time_of(since)).transpose()?;
    let mut entries = state.read(id, |n| Ok(n.history(section)?))?;
    if let Some(since) = since {
        entries.retain(|entry| entry.at > since);
    }
    Ok(Json(json!(entries)))
}

/// `GET /api/health`: whether the server serves, and the sync endpoint's
/// state (its connections, and how many changes its gate refused). No sign-in needed.
#[utoipa::path(get, path = "/api/health", tag = "session", responses((status = 200, description = "The server's state")))]
pub async fn health(State(state): State<AppState>, State(sync): State<Arc<SyncService>>) -> Json<Value> {
    let sync = json!({ "running": sync.running(), "connections": sync.connections(), "refused": sync.refused() });
    Json(json!({ "ok": true, "sync": sync, "views_built": state.views_built() }))
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route: the API is described at /api/openapi.json")
}

/// A known path with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "this route does not take that method: see /api/openapi.json")
}

/// The negotiation's view, shared until its next change (see [`crate::served_view`]).
pub(crate) fn view_of(state: &AppState, id: DocumentId) -> Result<Arc<NegotiationView>, ApiError> {
    Ok(state.view(id)?.view)
}

/// Whether an `Accept-Encoding` value takes gzip (named, with a weight above 0).
fn accepts_gzip(accepted: &str) -> bool {
    accepted.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case("gzip"));
        let weight = parts.find_map(|p| p.strip_prefix("q=")).map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
        named && weight > 0.0
    })
}

pub(crate) fn negotiation_id(session: &Session, text: &str) -> Result<DocumentId, ApiError> {
    let id: DocumentId = text.parse()?;
    session.check_negotiation(id)?;
    Ok(id)
}

/// A section number as written: digits, no sign, no leading zero (so `4`
/// names one section, not also `+4` and `04`).
fn section_number(text: &str) -> Result<u32, ApiError> {
    let canonical = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
    let number = canonical.then(|| text.parse().ok()).flatten();
    number.ok_or_else(|| ApiError::bad_request(format!("{text:?} is not a section number: write it like 4")))
}

pub(crate) fn random_document_id() -> DocumentId {
    DocumentId::from_bytes(*uuid::Uuid::new_v4().as_bytes())
}

//! A negotiation's view as the server hands it out: built once per change
//! and shared by every request and live socket until the next one
//! (ARCHITECTURE.md, "Views built once per change").
//!
//! Building the view reads every document, and in a meeting every change is
//! followed by every open browser asking for it: built per request, the cost
//! grows as clients times changes. The serialized JSON is kept with it, and an
//! `ETag` taken from that JSON, so a client that has this version is answered
//! 304 and the tag stays right across reloads of the negotiation. The gzip
//! form (about a quarter of the size, less for large views) is made once per
//! version, when a client first accepts it: browsers always do. Live clients
//! get a patch from the version they hold instead of the whole view.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use accord_core::view::SectionView;
use accord_core::{DocumentId, Negotiation, NegotiationView, Timestamp};
use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// One version of a negotiation's view: cheap to clone.
#[derive(Clone, Debug)]
pub struct ServedView {
    /// For handlers that read a part of it (who is who, the title, a section).
    pub view: Arc<NegotiationView>,
    /// A strong entity tag of this version (quoted, as HTTP writes it).
    pub etag: String,
    json: Arc<OnceLock<Bytes>>,
    gzip: Arc<OnceLock<Bytes>>,
    live: Arc<OnceLock<Utf8Bytes>>,
}

impl ServedView {
    /// Builds the view of `negotiation` at `now`. The tag is taken from the heads of
    /// every document, the next time a procedure ends and this server's version: the view
    /// is a function of the documents and of which procedures' times have passed (those
    /// before the next one), so the tag names it without serializing it, and it stays
    /// right across reloads and restarts. The JSON is made when first asked for.
    pub fn build(negotiation: &Negotiation, now: Timestamp) -> Result<ServedView, ApiError> {
        Self::tagged(negotiation, negotiation.view_at(now)?)
    }

    /// The view after the documents `changed` changed, from `before`, the version just
    /// before them: built again only where they reach (see `Negotiation::view_after`).
    pub fn build_after(
        negotiation: &Negotiation,
        now: Timestamp,
        before: &ServedView,
        changed: &[DocumentId],
    ) -> Result<ServedView, ApiError> {
        Self::tagged(negotiation, negotiation.view_after(now, &before.view, changed)?)
    }

    fn tagged(negotiation: &Negotiation, view: NegotiationView) -> Result<ServedView, ApiError> {
        let mut digest = Sha256::new().chain_update(env!("CARGO_PKG_VERSION"));
        digest.update(view.next_due().map_or(i64::MIN, Timestamp::millis).to_be_bytes());
        for (id, doc) in negotiation.documents() {
            digest.update(id.as_bytes());
            for head in doc.get_heads() {
                digest.update(head.0);
            }
        }
        let digest = digest.finalize();
        let etag = format!("\"{}\"", hex::encode(&digest[..12]));
        Ok(ServedView { view: Arc::new(view), etag, json: Arc::default(), gzip: Arc::default(), live: Arc::default() })
    }

    /// The view as JSON, exactly as `GET /api/negotiations/{id}` sends it, made once per version.
    pub fn json(&self) -> Result<Bytes, ApiError> {
        if let Some(json) = self.json.get() {
            return Ok(json.clone());
        }
        let json = Bytes::from(serde_json::to_vec(&*self.view).map_err(|error| ApiError::internal(&error))?);
        Ok(self.json.get_or_init(|| json).clone())
    }

    /// The JSON compressed with gzip, made on first use and kept with this version.
    pub fn gzip(&self) -> Result<Bytes, ApiError> {
        if let Some(gzip) = self.gzip.get() {
            return Ok(gzip.clone());
        }
        let json = self.json()?;
        let mut encoder = GzEncoder::new(Vec::with_capacity(json.len() / 8), Compression::fast());
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(&json);
        let gzip = Bytes::from(encoder.finish().unwrap_or_default());
        Ok(self.gzip.get_or_init(|| gzip).clone())
    }

    /// The first message of a live socket: `{"type": "view", "etag", "view": …}`, without
    /// serializing the view again (the tag says which version later patches start from).
    /// Made once per version and shared: a room filling at once (a restart) sends it to
    /// every client, and the large negotiation's is 850 KB.
    pub fn live_message(&self) -> Result<Utf8Bytes, ApiError> {
        if let Some(message) = self.live.get() {
            return Ok(message.clone());
        }
        let json = self.json()?;
        let view = std::str::from_utf8(&json).map_err(|error| ApiError::internal(&error))?;
        let message = Utf8Bytes::from(format!("{{\"type\":\"view\",\"etag\":{},\"view\":{view}}}", json!(self.etag)));
        Ok(self.live.get_or_init(|| message).clone())
    }

    /// What a live client holding `before` needs to hold this version: the
    /// tags of both (`from`, `to`: a client holding another version cannot
    /// apply it and fetches the view); for every section that differs, its
    /// `number`, its proposals' ids in order (`proposal_ids`) and its fields
    /// that differ; for every proposal that differs, its `id` and its fields
    /// that differ (a new one: all of them) but its text, which every change
    /// announced with its heads before (a changed text shows as changed
    /// `heads`); the numbers of all sections (so one that is gone is
    /// dropped); and the negotiation's own fields if they differ. Fields are
    /// top-level and sent whole, so a client merges them over what it holds.
    /// A text edit thus sends the proposal's heads and time and the section's
    /// text gap, not the text again nor the section.
    pub fn patch_since(&self, before: &ServedView) -> Result<Value, ApiError> {
        let (now, was) = (&self.view, &before.view);
        let mut sections = Vec::new();
        let mut proposals = Vec::new();
        for section in now.sections.iter().filter(|section| was.section(section.number) != Some(*section)) {
            for proposal in section.proposals.iter().filter(|p| was.proposal(&p.id) != Some(*p)) {
                let held = was.proposal(&proposal.id);
                let mut fields = changed_fields(held, proposal)?;
                if held.is_some() {
                    // Each change to a text went out at once in a `changed` message, with its
                    // heads: the client takes the text from there (ARCHITECTURE.md, "Live socket").
                    fields.remove("text");
                }
                fields.insert("id".into(), json!(proposal.id));
                proposals.push(fields);
            }
            let mut fields =
                changed_fields(was.section(section.number).map(own_fields).as_ref(), &own_fields(section))?;
            fields.insert("number".into(), json!(section.number));
            fields.insert("proposal_ids".into(), json!(section.proposals.iter().map(|p| p.id).collect::<Vec<_>>()));
            sections.push(fields);
        }
        let numbers: Vec<u32> = now.sections.iter().map(|s| s.number).collect();
        let mut patch = json!({
            "from": before.etag, "to": self.etag, "sections": sections, "proposals": proposals, "numbers": numbers,
        });
        if (&now.title, now.deadline, &now.participants, &now.unreadable)
            != (&was.title, was.deadline, &was.participants, &was.unreadable)
        {
            patch["negotiation"] = json!({
                "title": now.title, "deadline": now.deadline, "participants": now.participants, "unreadable": now.unreadable,
            });
        }
        Ok(patch)
    }

    /// Whether an `If-None-Match` header names this version (`*`, or one of its tags).
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == self.etag)
    }
}

/// A section without its proposals (they are patched one by one).
fn own_fields(section: &SectionView) -> SectionView {
    SectionView { proposals: Vec::new(), ..section.clone() }
}

/// The top-level fields of `now` that `was` does not have with the same value (all of them
/// without a `was`), as JSON.
fn changed_fields<T: Serialize>(was: Option<&T>, now: &T) -> Result<Map<String, Value>, ApiError> {
    let object = |value: &T| match serde_json::to_value(value) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ApiError::internal(&"a view part that is not a JSON object")),
        Err(error) => Err(ApiError::internal(&error)),
    };
    let mut fields = object(now)?;
    if let Some(was) = was {
        let was = object(was)?;
        fields.retain(|key, value| was.get(key) != Some(value));
    }
    Ok(fields)
}

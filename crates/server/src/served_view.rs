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

use accord_core::{Negotiation, NegotiationView};
use axum::body::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// One version of a negotiation's view: cheap to clone.
#[derive(Clone, Debug)]
pub struct ServedView {
    /// For handlers that read a part of it (who is who, the title, a section).
    pub view: Arc<NegotiationView>,
    /// The view as JSON, exactly as `GET /api/negotiations/{id}` sends it.
    pub json: Bytes,
    /// A strong entity tag of `json` (quoted, as HTTP writes it).
    pub etag: String,
    gzip: Arc<OnceLock<Bytes>>,
}

impl ServedView {
    /// Builds the view of `negotiation` and serializes it once.
    pub fn build(negotiation: &Negotiation) -> Result<ServedView, ApiError> {
        let view = negotiation.view()?;
        let json = serde_json::to_vec(&view).map_err(|error| ApiError::internal(&error))?;
        let digest = Sha256::digest(&json);
        let etag = format!("\"{}\"", hex::encode(&digest[..12]));
        Ok(ServedView { view: Arc::new(view), json: Bytes::from(json), etag, gzip: Arc::default() })
    }

    /// `json` compressed with gzip, made on first use and kept with this version.
    pub fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut encoder = GzEncoder::new(Vec::with_capacity(self.json.len() / 8), Compression::fast());
                // Writing to a Vec cannot fail.
                let _ = encoder.write_all(&self.json);
                Bytes::from(encoder.finish().unwrap_or_default())
            })
            .clone()
    }

    /// The first message of a live socket: `{"type": "view", "etag", "view": …}`, without
    /// serializing the view again (the tag says which version later patches start from).
    pub fn live_message(&self) -> String {
        let view = String::from_utf8_lossy(&self.json);
        format!("{{\"type\":\"view\",\"etag\":{},\"view\":{view}}}", json!(self.etag))
    }

    /// What a live client holding `before` needs to hold this version: the
    /// tags of both (`from`, `to`: a client holding another version cannot
    /// apply it and fetches the view), every section that differs, whole, the
    /// numbers of all sections (so one that is gone is dropped), and the
    /// negotiation's own fields if they differ.
    pub fn patch_since(&self, before: &ServedView) -> Value {
        let (now, was) = (&self.view, &before.view);
        let changed: Vec<_> =
            now.sections.iter().filter(|section| was.section(section.number) != Some(section)).collect();
        let numbers: Vec<u32> = now.sections.iter().map(|s| s.number).collect();
        let mut patch = json!({ "from": before.etag, "to": self.etag, "sections": changed, "numbers": numbers });
        if (&now.title, now.deadline, &now.participants, &now.unreadable)
            != (&was.title, was.deadline, &was.participants, &was.unreadable)
        {
            patch["negotiation"] = json!({
                "title": now.title, "deadline": now.deadline, "participants": now.participants, "unreadable": now.unreadable,
            });
        }
        patch
    }

    /// Whether an `If-None-Match` header names this version (`*`, or one of its tags).
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == self.etag)
    }
}

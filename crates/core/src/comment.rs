//! Comments anchored to a passage of a proposal. The passage is held by two
//! automerge cursors (its first and last character), so it follows the text
//! through later edits: words inserted before it move it, words inserted
//! inside it widen it, and if it is deleted the comment stays, with an
//! empty quote, at the place it was.

use automerge::{Automerge, Cursor, ObjId, ReadDoc};
use serde::Serialize;

use crate::{Error, ParticipantCode, Timestamp};

/// A comment as its author's document stores it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CommentRecord {
    pub id: String,
    pub proposal: crate::ProposalId,
    pub first: String,
    pub last: String,
    pub text: String,
    pub at: Timestamp,
}

/// A comment with its passage where it is now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommentView {
    /// Its id.
    pub id: String,
    /// Who wrote it.
    pub by: ParticipantCode,
    /// When.
    pub at: Timestamp,
    /// What it says.
    pub text: String,
    /// Where the passage starts now, in characters.
    pub start: usize,
    /// Where it ends now (exclusive).
    pub end: usize,
    /// The passage as it reads now.
    pub quote: String,
}

/// Checks a new comment's id and text, and anchors characters `start..end`
/// of the current text: the cursors of the first and last character.
pub(crate) fn anchor(
    doc: &Automerge,
    text: &ObjId,
    id: &str,
    start: usize,
    end: usize,
    body: &str,
) -> Result<(String, String), Error> {
    let valid_id = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid_id {
        return Err(Error::InvalidComment("its id must be 1 to 64 letters, digits or '-'".into()));
    }
    if body.trim().is_empty() {
        return Err(Error::InvalidComment("it says nothing".into()));
    }
    let len = doc.length(text);
    if start >= end || end > len {
        return Err(Error::InvalidComment(format!(
            "the passage {start}..{end} is not within the text's {len} characters"
        )));
    }
    let first = doc.get_cursor(text, start, None)?;
    let last = doc.get_cursor(text, end - 1, None)?;
    Ok((first.to_string(), last.to_string()))
}

/// Where a stored comment's passage is now.
pub(crate) fn resolve(
    doc: &Automerge,
    text: &ObjId,
    by: &ParticipantCode,
    record: &CommentRecord,
) -> Option<CommentView> {
    let position = |cursor: &str| {
        let cursor = Cursor::try_from(cursor).ok()?;
        doc.get_cursor_position(text, &cursor, None).ok()
    };
    let start = position(&record.first)?;
    let end = (position(&record.last)? + 1).max(start);
    let current: Vec<char> = doc.text(text).ok()?.chars().collect();
    let end = end.min(current.len());
    let start = start.min(end);
    Some(CommentView {
        id: record.id.clone(),
        by: by.clone(),
        at: record.at,
        text: record.text.clone(),
        start,
        end,
        quote: current[start..end].iter().collect(),
    })
}

//! Who made a change and when: passed into every write, since the core has no clock.
//!
//! Each automerge change Accord makes carries a [`ChangeNote`] as its commit
//! message (JSON), so history can name the participant, the time in
//! milliseconds and what was done, without trusting actor ids alone.

use serde::{Deserialize, Serialize};

use crate::ParticipantCode;

/// Milliseconds since the Unix epoch, as given by the caller.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize, Hash)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }
}

/// The participant acting and the time of the act.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Attribution {
    /// Who acts.
    pub by: ParticipantCode,
    /// When.
    pub at: Timestamp,
}

impl Attribution {
    /// `by` acting at `at`.
    pub fn new(by: ParticipantCode, at: Timestamp) -> Self {
        Attribution { by, at }
    }
}

/// The commit message of every change Accord writes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ChangeNote {
    /// The participant who made the change.
    pub by: ParticipantCode,
    /// When, in milliseconds since the epoch.
    pub at: Timestamp,
    /// What was done, in words, e.g. "recorded object on Alt 1". Left out
    /// of keystroke-level text edits, where it would cost more memory than
    /// the edit itself; history then says "edited" and the proposal's label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub what: String,
    /// The section the change concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<u32>,
}

impl ChangeNote {
    /// The note as a commit message.
    pub fn to_message(&self) -> String {
        serde_json::to_string(self).expect("a change note always serializes")
    }

    /// Reads a commit message written by [`ChangeNote::to_message`]; `None` for
    /// changes made by other tools.
    pub fn from_message(message: &str) -> Option<ChangeNote> {
        serde_json::from_str(message).ok()
    }
}

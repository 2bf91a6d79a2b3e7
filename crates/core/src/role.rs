//! Roles of participants, and what each role may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A participant's role in a negotiation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Chairs the negotiation: adopts agreed text, manages sections and participants.
    Chair,
    /// Convenes the drafting group with the chair's powers (e.g. ITU and UNESCO).
    Convenor,
    /// Takes part: proposes, edits what it sponsors, takes stances.
    Member,
    /// Follows the negotiation and writes nothing.
    Observer,
}

impl Role {
    /// Chair and convenors may adopt and change the negotiation document.
    pub fn chairs(self) -> bool {
        matches!(self, Role::Chair | Role::Convenor)
    }

    /// Everyone but observers counts for consensus and may write.
    pub fn is_member(self) -> bool {
        self != Role::Observer
    }

    /// The role's name as written in documents and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Chair => "chair",
            Role::Convenor => "convenor",
            Role::Member => "member",
            Role::Observer => "observer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "chair" => Ok(Role::Chair),
            "convenor" => Ok(Role::Convenor),
            "member" => Ok(Role::Member),
            "observer" => Ok(Role::Observer),
            other => Err(Error::InvalidRole(other.to_string())),
        }
    }
}

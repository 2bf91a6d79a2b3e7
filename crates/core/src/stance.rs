//! Stances: one participant's position on one proposal at one version of its text.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, ParticipantCode, Timestamp};

/// The four positions a participant can take on a proposal.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum StanceKind {
    /// Supports the wording.
    Support,
    /// Does not prefer it but will not stand in the way.
    CanLiveWith,
    /// Needs confirmation from capital or headquarters ("ad ref"); blocks until lifted.
    Reserve,
    /// Objects, with a reason; blocks adoption.
    Object,
}

impl StanceKind {
    /// Support and can-live-with count towards consensus.
    pub fn accepts(self) -> bool {
        matches!(self, StanceKind::Support | StanceKind::CanLiveWith)
    }

    /// The stance's name as written in documents and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            StanceKind::Support => "support",
            StanceKind::CanLiveWith => "can-live-with",
            StanceKind::Reserve => "reserve",
            StanceKind::Object => "object",
        }
    }
}

impl fmt::Display for StanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StanceKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "support" => Ok(StanceKind::Support),
            "can-live-with" => Ok(StanceKind::CanLiveWith),
            "reserve" => Ok(StanceKind::Reserve),
            "object" => Ok(StanceKind::Object),
            other => Err(Error::InvalidStance(other.to_string())),
        }
    }
}

/// One participant's stance on one proposal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StanceView {
    /// The position.
    pub stance: StanceKind,
    /// Why.
    pub reason: String,
    /// Given on an earlier text than the current one.
    pub stale: bool,
    /// When it was given (`None` for a sponsor's implicit support).
    pub at: Option<Timestamp>,
    /// Whether this participant sponsors the proposal and confirmed it.
    pub sponsor: bool,
    /// For a reservation ad referendum: until when its headquarters may confirm or object.
    /// Such a reservation accepts subject to confirmation, so it does not block adoption.
    pub ad_ref_until: Option<Timestamp>,
}

impl StanceView {
    /// Whether this is a reservation ad referendum on the current text, which lets the
    /// proposal be adopted "agreed ad referendum", subject to confirmation.
    pub fn accepts_ad_ref(&self) -> bool {
        self.stance == StanceKind::Reserve && self.ad_ref_until.is_some() && !self.stale
    }
}

/// The stances on one proposal, by participant.
pub type Stances = BTreeMap<ParticipantCode, StanceView>;

//! Convergence: how close a section is to agreement, by stances (who
//! accepts what) and by text (how far apart the live proposals are). Rules
//! over stances and texts only; [`crate::trend`] follows them over time.

use serde::Serialize;

use crate::distances::Distances;
use crate::{Participant, ParticipantCode, ProposalId, StanceKind, Stances, Timestamp};

/// Where a section stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionStatus {
    /// A proposal was adopted as its agreed text.
    Agreed,
    /// A proposal was adopted, subject to confirmation by some members' headquarters.
    #[serde(rename = "agreed-ad-ref")]
    AgreedAdRef,
    /// A live proposal meets the consensus rule and awaits adoption.
    Ready,
    /// A live proposal is held up only by missing or stale stances.
    Converging,
    /// Every live proposal has an objection.
    Blocked,
    /// Anything else: no proposals yet, or reservations outstanding.
    Open,
}

impl SectionStatus {
    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionStatus::Agreed => "agreed",
            SectionStatus::AgreedAdRef => "agreed-ad-ref",
            SectionStatus::Ready => "ready",
            SectionStatus::Converging => "converging",
            SectionStatus::Blocked => "blocked",
            SectionStatus::Open => "open",
        }
    }
}

/// Stances on one proposal counted over members (observers do not count).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Tally {
    /// Members who support or can live with the current text (sponsors included).
    pub accepting: usize,
    /// Members who reserve their position.
    pub reserving: usize,
    /// Members who object.
    pub objecting: usize,
    /// Members with no stance on the current text (none, or a stale acceptance).
    pub pending: usize,
}

/// One objection or reservation still standing.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Outstanding {
    /// Who.
    pub participant: ParticipantCode,
    /// On which proposal.
    pub proposal: ProposalId,
    /// That proposal's label.
    pub label: String,
    /// `object` or `reserve`.
    pub stance: StanceKind,
    /// Why.
    pub reason: String,
    /// Since when.
    pub since: Option<Timestamp>,
    /// Whether it was given on an earlier text.
    pub stale: bool,
    /// For a reservation ad referendum: until when headquarters may confirm or object.
    pub ad_ref_until: Option<Timestamp>,
}

/// Where one live proposal stands, as the section's status needs it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Standing {
    /// Its stances counted.
    pub tally: Tally,
    /// Whether the consensus rule allows adopting it now.
    pub adoptable: bool,
}

/// Counts the members' stances on a proposal.
pub fn tally(participants: &[Participant], stances: &Stances) -> Tally {
    let mut tally = Tally::default();
    for participant in participants.iter().filter(|p| p.role.is_member()) {
        match stances.get(&participant.code) {
            Some(s) if s.stance == StanceKind::Object => tally.objecting += 1,
            Some(s) if s.stance == StanceKind::Reserve => tally.reserving += 1,
            Some(s) if !s.stale => tally.accepting += 1,
            _ => tally.pending += 1,
        }
    }
    tally
}

/// The status of a section from its adoption and where its live proposals stand.
pub fn status(agreed: bool, live: &[Standing]) -> SectionStatus {
    if agreed {
        SectionStatus::Agreed
    } else if live.iter().any(|p| p.adoptable) {
        SectionStatus::Ready
    } else if live.iter().any(|p| p.tally.objecting == 0 && p.tally.reserving == 0) {
        SectionStatus::Converging
    } else if !live.is_empty() && live.iter().all(|p| p.tally.objecting > 0) {
        SectionStatus::Blocked
    } else {
        SectionStatus::Open
    }
}

/// The mean word-level distance between every pair of live proposals'
/// texts: 0 when they are identical, 1 when they share no word; `None` with fewer than two.
pub(crate) fn text_gap(live: &[&str], distances: &Distances) -> Option<f64> {
    let mut total = 0.0;
    let mut pairs = 0usize;
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            total += distances.between(a, b);
            pairs += 1;
        }
    }
    (pairs > 0).then(|| total / pairs as f64)
}

/// The objections and reservations among a live proposal's stances, by participant.
pub fn outstanding(proposal: ProposalId, label: &str, stances: &Stances) -> Vec<Outstanding> {
    stances
        .iter()
        .filter(|(_, stance)| matches!(stance.stance, StanceKind::Object | StanceKind::Reserve))
        .map(|(code, stance)| Outstanding {
            participant: code.clone(),
            proposal,
            label: label.to_string(),
            stance: stance.stance,
            reason: stance.reason.clone(),
            since: stance.at,
            stale: stance.stale,
            ad_ref_until: stance.ad_ref_until,
        })
        .collect()
}

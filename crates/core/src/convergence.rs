//! Convergence: how close a section is to agreement, by stances (who
//! accepts what) and by text (how far apart the live proposals are), now and
//! over time.

use serde::Serialize;

use crate::distances::Distances;
use crate::view::ProposalView;
use crate::{Error, Negotiation, Participant, ParticipantCode, ProposalId, StanceKind, Timestamp};

/// Where a section stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionStatus {
    /// A proposal was adopted as its agreed text.
    Agreed,
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
}

/// One point of a section's convergence history.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct ConvergencePoint {
    /// When.
    pub at: Timestamp,
    /// The text gap between live proposals then.
    pub text_gap: Option<f64>,
    /// The most members accepting any one live proposal then.
    pub accepting: usize,
    /// Objections standing then.
    pub objections: usize,
    /// The section's status then.
    pub status: SectionStatus,
}

/// Counts the members' stances on a proposal.
pub fn tally(participants: &[Participant], proposal: &ProposalView) -> Tally {
    let mut tally = Tally::default();
    for participant in participants.iter().filter(|p| p.role.is_member()) {
        match proposal.stances.get(&participant.code) {
            Some(s) if s.stance == StanceKind::Object => tally.objecting += 1,
            Some(s) if s.stance == StanceKind::Reserve => tally.reserving += 1,
            Some(s) if !s.stale => tally.accepting += 1,
            _ => tally.pending += 1,
        }
    }
    tally
}

/// The status of a section from its adoption and its live proposals.
pub fn status(agreed: bool, live: &[&ProposalView]) -> SectionStatus {
    let objected = |p: &&&ProposalView| p.tally.objecting > 0;
    if agreed {
        SectionStatus::Agreed
    } else if live.iter().any(|p| p.adoptable) {
        SectionStatus::Ready
    } else if live.iter().any(|p| p.tally.objecting == 0 && p.tally.reserving == 0) {
        SectionStatus::Converging
    } else if !live.is_empty() && live.iter().all(|p| objected(&p)) {
        SectionStatus::Blocked
    } else {
        SectionStatus::Open
    }
}

/// The mean word-level distance between every pair of live proposals:
/// 0 when they are identical, 1 when they share no word; `None` with fewer than two.
pub(crate) fn text_gap(live: &[&ProposalView], distances: &Distances) -> Option<f64> {
    let mut total = 0.0;
    let mut pairs = 0usize;
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            total += distances.between(&a.text, &b.text);
            pairs += 1;
        }
    }
    (pairs > 0).then(|| total / pairs as f64)
}

/// The objections and reservations on live proposals, by proposal then participant.
pub fn outstanding(live: &[&ProposalView]) -> Vec<Outstanding> {
    let mut found = Vec::new();
    for proposal in live {
        for (code, stance) in &proposal.stances {
            if matches!(stance.stance, StanceKind::Object | StanceKind::Reserve) {
                found.push(Outstanding {
                    participant: code.clone(),
                    proposal: proposal.id,
                    label: proposal.label.clone(),
                    stance: stance.stance,
                    reason: stance.reason.clone(),
                    since: stance.at,
                    stale: stance.stale,
                });
            }
        }
    }
    found
}

/// The section's convergence over time, computed from the documents'
/// history: at most `limit` moments, spread evenly over the moments its
/// proposals or stances changed (always the first and the last).
pub fn history(negotiation: &Negotiation, section: u32, limit: usize) -> Result<Vec<ConvergencePoint>, Error> {
    let mut times: Vec<Timestamp> = negotiation.history(Some(section))?.into_iter().map(|entry| entry.at).collect();
    times.dedup();
    let mut points = Vec::new();
    for at in spread(&times, limit) {
        // A change stamped before the negotiation opened (a skewed clock) has no view to show.
        let Ok(then) = negotiation.as_of(at) else { continue };
        let view = then.view()?;
        let Some(then) = view.section(section) else { continue };
        let live: Vec<&ProposalView> = then.live_proposals().collect();
        points.push(ConvergencePoint {
            at,
            text_gap: then.text_gap,
            accepting: live.iter().map(|p| p.tally.accepting).max().unwrap_or(0),
            objections: live.iter().map(|p| p.tally.objecting).sum(),
            status: then.status,
        });
    }
    Ok(points)
}

/// At most `limit` of `times`, evenly spread, first and last included.
fn spread(times: &[Timestamp], limit: usize) -> Vec<Timestamp> {
    match limit {
        _ if times.len() <= limit => times.to_vec(),
        0 => Vec::new(),
        1 => times.last().copied().into_iter().collect(),
        _ => (0..limit).map(|i| times[i * (times.len() - 1) / (limit - 1)]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_first_and_last_and_at_most_the_limit() {
        let times: Vec<Timestamp> = (0..100).map(Timestamp).collect();
        let picked = spread(&times, 5);
        assert_eq!(picked, vec![Timestamp(0), Timestamp(24), Timestamp(49), Timestamp(74), Timestamp(99)]);
        assert_eq!(spread(&times[..3], 5).len(), 3);
    }
}

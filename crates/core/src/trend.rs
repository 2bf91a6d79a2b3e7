//! Convergence over time: a section's text gap, acceptance and status at
//! moments of its history, each read from the negotiation as it was then
//! (for the chair's chart and `accord convergence`).

use serde::Serialize;

use crate::convergence::SectionStatus;
use crate::view::ProposalView;
use crate::{Error, Negotiation, Timestamp};

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
        let view = then.view_at(at)?;
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

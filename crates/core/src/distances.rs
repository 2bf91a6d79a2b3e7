//! A memo of word-level distances between texts: the text gap compares
//! every pair of live proposals on every view, while texts change rarely
//! between views. The distance is a pure function of the two texts, so the
//! memo changes no result; it is shared by clones of a negotiation.
//!
//! The distances are most of the cost of a view built again after someone
//! typed (a word diff per pair, about a millisecond each): [`DistancesAhead`]
//! lets a server compute them before it builds the view, off the lock that
//! holds the negotiation, so the build under the lock finds them known.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::redline;
use crate::{DocumentId, Negotiation, NegotiationView, ProposalId};

/// How many pairs the memo keeps before it starts afresh.
const CAPACITY: usize = 50_000;

/// Distances already computed, by the texts' hashes and lengths.
#[derive(Clone, Debug, Default)]
pub(crate) struct Distances {
    known: Arc<Mutex<HashMap<(Key, Key), f64>>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Key(u64, usize);

impl Key {
    fn of(text: &str) -> Key {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        Key(hasher.finish(), text.len())
    }
}

impl Distances {
    /// The distance between `a` and `b` (see [`redline::distance`]).
    pub fn between(&self, a: &str, b: &str) -> f64 {
        let key = (Key::of(a), Key::of(b));
        if let Some(known) = self.known.lock().ok().and_then(|known| known.get(&key).copied()) {
            return known;
        }
        let distance = redline::distance(a, b);
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= CAPACITY {
                known.clear();
            }
            known.insert(key, distance);
        }
        distance
    }
}

/// The distances a view built after some proposals changed will ask for, with the texts they
/// are between: computed by [`DistancesAhead::compute`] without the negotiation.
#[derive(Debug)]
pub struct DistancesAhead {
    distances: Distances,
    pairs: Vec<(String, String)>,
}

impl DistancesAhead {
    /// Computes every distance not already known, into the memo the negotiation shares.
    pub fn compute(self) {
        for (a, b) in &self.pairs {
            self.distances.between(a, b);
        }
    }

    /// How many pairs there are to compare.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there is nothing to compute.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl Negotiation {
    /// The distances the view after the documents `changed` changed will need, from `before`,
    /// the view just before them: between each changed proposal and every other live proposal
    /// of its section, each pair in the order the view compares them (cheap: the changed
    /// proposals are read as the view will read them, through the records memo, the others
    /// taken from `before`; pairs of unchanged texts were compared for `before`). A proposal
    /// made, withdrawn or moved meanwhile only leaves a distance for the view to compute itself.
    pub fn distances_ahead(&self, before: &NegotiationView, changed: &[DocumentId]) -> DistancesAhead {
        let changed: Vec<ProposalId> = changed.iter().map(|id| ProposalId(*id)).collect();
        let mut pairs = Vec::new();
        for section in &before.sections {
            if !section.proposals.iter().any(|p| changed.contains(&p.id)) {
                continue;
            }
            let texts: Vec<(bool, String)> = section
                .proposals
                .iter()
                .filter(|p| !p.withdrawn)
                .map(|p| match changed.contains(&p.id) {
                    // Read through the records memo, so the view built next finds it read.
                    true => (true, self.proposal(&p.id).map_or_else(|_| p.text.clone(), |record| record.text)),
                    false => (false, p.text.clone()),
                })
                .collect();
            for (i, (a_changed, a)) in texts.iter().enumerate() {
                let with_a_change = texts[i + 1..].iter().filter(|(b_changed, _)| *a_changed || *b_changed);
                pairs.extend(with_a_change.map(|(_, b)| (a.clone(), b.clone())));
            }
        }
        DistancesAhead { distances: self.distances().clone(), pairs }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Attribution, Splice, Timestamp, fixture};

    #[test]
    fn the_distances_computed_ahead_are_all_a_view_after_an_edit_asks_for() {
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        let before = negotiation.view().expect("view");
        let topic4 = &before.sections[3];
        let alt1 = &topic4.proposals[0];
        let by = Attribution::new(alt1.sponsors[0].clone(), Timestamp(1_900_000_000_000));
        let insert = "Revised: ".to_string();
        negotiation.splice_proposal(&alt1.id, &[Splice { pos: 0, delete: 0, insert }], &by).expect("edit");

        let ahead = negotiation.distances_ahead(&before, &[alt1.id.0]);
        let others = topic4.proposals.iter().filter(|p| !p.withdrawn && p.id != alt1.id).count();
        assert_eq!(ahead.len(), others, "the edited proposal against each other live one of its section");
        let known = || negotiation.distances().known.lock().expect("memo").len();
        let before_computing = known();
        ahead.compute();
        assert_eq!(known(), before_computing + others, "each one computed");
        let after = negotiation.view_after(Timestamp(1_900_000_000_000), &before, &[alt1.id.0]).expect("view");
        assert_eq!(known(), before_computing + others, "the view found each distance it needed known");
        assert_ne!(after.sections[3].text_gap, topic4.text_gap, "and the gap did change");
    }
}

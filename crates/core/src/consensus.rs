//! The consensus rule, written once.
//!
//! A proposal can be adopted when it is live (not withdrawn), no member
//! objects to it, and every member (chair, convenors and members; not observers)
//! either sponsors it or holds a `support` or `can-live-with` given on its
//! current text. A `reserve` blocks until it is lifted, unless it is ad
//! referendum (accepted subject to confirmation: see [`crate::procedure`]); a
//! stance given on an earlier text is stale and must be renewed. Whatever blocks is returned as
//! a [`Blocker`] that says who and why, for the chair and for error messages.
//! The rule reads stances only: the read model is built from it, not the
//! other way round.

use std::fmt;

use serde::Serialize;

use crate::{Participant, ParticipantCode, StanceKind, Stances};

/// One reason a proposal cannot be adopted yet.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Blocker {
    /// The proposal was withdrawn by its sponsors.
    Withdrawn,
    /// A participant objects (on this or an earlier text).
    Objects {
        /// Who.
        participant: ParticipantCode,
        /// Why.
        reason: String,
        /// Whether the objection was given on an earlier text.
        stale: bool,
    },
    /// A member reserves its position ("ad ref").
    Reserves {
        /// Who.
        participant: ParticipantCode,
        /// Why, if said.
        reason: String,
        /// Whether the reservation was given on an earlier text.
        stale: bool,
    },
    /// A member accepted an earlier text and has not confirmed the current one.
    Stale {
        /// Who.
        participant: ParticipantCode,
        /// What it said on the earlier text.
        stance: StanceKind,
    },
    /// A member has not taken a stance.
    NoStance {
        /// Who.
        participant: ParticipantCode,
    },
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let earlier = |stale: &bool| if *stale { " (on an earlier text)" } else { "" };
        match self {
            Blocker::Withdrawn => write!(f, "it was withdrawn"),
            Blocker::Objects { participant, reason, stale } => {
                write!(f, "{participant} objects{}: {reason}", earlier(stale))
            }
            Blocker::Reserves { participant, reason, stale } if reason.is_empty() => {
                write!(f, "{participant} reserves its position{}", earlier(stale))
            }
            Blocker::Reserves { participant, reason, stale } => {
                write!(f, "{participant} reserves its position{}: {reason}", earlier(stale))
            }
            Blocker::Stale { participant, stance } => {
                write!(f, "{participant} said {stance} on an earlier text and has not confirmed the current one")
            }
            Blocker::NoStance { participant } => write!(f, "{participant} has not taken a stance"),
        }
    }
}

/// Everything that keeps a proposal with these `stances` from being
/// adopted (a `withdrawn` one never can be); empty when it can be.
pub fn blockers(participants: &[Participant], withdrawn: bool, stances: &Stances) -> Vec<Blocker> {
    let mut blockers = Vec::new();
    if withdrawn {
        blockers.push(Blocker::Withdrawn);
    }
    for participant in participants {
        if let Some(blocker) = blocker_of(participant, stances) {
            blockers.push(blocker);
        }
    }
    blockers
}

/// Whether the consensus rule allows adopting a live proposal with these `stances` now.
pub fn can_adopt(participants: &[Participant], stances: &Stances) -> bool {
    blockers(participants, false, stances).is_empty()
}

fn blocker_of(participant: &Participant, stances: &Stances) -> Option<Blocker> {
    if !participant.role.is_member() {
        return None;
    }
    let code = participant.code.clone();
    let Some(stance) = stances.get(&participant.code) else {
        return Some(Blocker::NoStance { participant: code });
    };
    let (reason, stale) = (stance.reason.clone(), stance.stale);
    match stance.stance {
        StanceKind::Object => Some(Blocker::Objects { participant: code, reason, stale }),
        StanceKind::Reserve if stance.accepts_ad_ref() => None,
        StanceKind::Reserve if stance.ad_ref_until.is_some() => {
            Some(Blocker::Stale { participant: code, stance: stance.stance })
        }
        StanceKind::Reserve => Some(Blocker::Reserves { participant: code, reason, stale }),
        kind if stale => Some(Blocker::Stale { participant: code, stance: kind }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DocumentId, Role, StanceView};

    fn participant(code: &str, role: Role) -> Participant {
        Participant {
            code: code.parse().expect("valid code"),
            name: code.to_string(),
            role,
            document: DocumentId::derive("test", code),
        }
    }

    fn table() -> Vec<Participant> {
        vec![
            participant("CHAIR", Role::Chair),
            participant("ITU", Role::Convenor),
            participant("DESA", Role::Member),
            participant("UNU", Role::Observer),
        ]
    }

    fn proposal(stances: &[(&str, StanceKind, bool)]) -> Stances {
        stances
            .iter()
            .map(|(code, stance, stale)| {
                let view = StanceView {
                    stance: *stance,
                    reason: "because".into(),
                    stale: *stale,
                    at: None,
                    sponsor: false,
                    ad_ref_until: None,
                };
                (code.parse().expect("valid code"), view)
            })
            .collect()
    }

    use StanceKind::*;

    #[test]
    fn every_member_accepting_the_current_text_allows_adoption() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", CanLiveWith, false), ("DESA", Support, false)]);
        assert!(can_adopt(&table(), &p));
    }

    #[test]
    fn observers_are_not_needed_for_consensus() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Support, false), ("DESA", Support, false)]);
        assert!(
            blockers(&table(), false, &p)
                .iter()
                .all(|b| !matches!(b, Blocker::NoStance { participant } if participant.as_str() == "UNU"))
        );
        assert!(can_adopt(&table(), &p));
    }

    #[test]
    fn a_missing_stance_blocks() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Support, false)]);
        assert_eq!(
            blockers(&table(), false, &p),
            vec![Blocker::NoStance { participant: "DESA".parse().expect("code") }]
        );
    }

    #[test]
    fn an_objection_blocks_and_names_its_reason() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Support, false), ("DESA", Object, false)]);
        let found = blockers(&table(), false, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].to_string(), "DESA objects: because");
    }

    #[test]
    fn a_reservation_blocks_until_lifted() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Reserve, false), ("DESA", Support, false)]);
        assert!(matches!(blockers(&table(), false, &p)[..], [Blocker::Reserves { .. }]));
    }

    #[test]
    fn a_stale_acceptance_blocks() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Support, true), ("DESA", Support, false)]);
        assert!(matches!(blockers(&table(), false, &p)[..], [Blocker::Stale { stance: Support, .. }]));
    }

    #[test]
    fn a_stale_objection_still_blocks() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Support, false), ("DESA", Object, true)]);
        assert!(matches!(blockers(&table(), false, &p)[..], [Blocker::Objects { stale: true, .. }]));
    }

    #[test]
    fn an_observers_stance_does_not_count() {
        let p = proposal(&[
            ("CHAIR", Support, false),
            ("ITU", Support, false),
            ("DESA", Support, false),
            ("UNU", Object, false),
        ]);
        assert!(can_adopt(&table(), &p));
    }

    #[test]
    fn a_withdrawn_proposal_cannot_be_adopted() {
        let p = proposal(&[("CHAIR", Support, false), ("ITU", Support, false), ("DESA", Support, false)]);
        assert_eq!(blockers(&table(), true, &p), vec![Blocker::Withdrawn]);
    }
}

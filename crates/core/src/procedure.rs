//! The UN procedures that agree text with time as well as stances: the silence procedure
//! and acceptance ad referendum. Each outcome is a pure function of the documents and the
//! time the view is evaluated at (ARCHITECTURE.md, invariant 13), so every replica reading
//! at one time agrees, and recording an outcome once its time passed ([`crate::Negotiation::settle`])
//! changes nothing a reader sees.
//!
//! - **Silence.** The chair puts a proposal under silence until a time. An objection
//!   standing before that time breaks it; an edit of the text or a withdrawal voids it;
//!   otherwise the proposal is adopted at that time, in the name of whoever put it under
//!   silence.
//! - **Ad referendum.** A member may accept subject to its headquarters' confirmation
//!   (a reservation with a date); it does not block adoption. The adoption is then agreed ad
//!   referendum until every such member confirms (support or can-live-with), or its date
//!   passes without an objection (the confirmation is taken as given). An objection before
//!   the date voids the adoption, which reads as reopened by that objection.

use serde::Serialize;

use crate::document::text_fingerprint;
use crate::negotiation_doc::{Adoption, Reopening, Settled, Silence};
use crate::{ParticipantCode, ProposalId, StanceKind, Stances, Timestamp};

/// What the procedures read of the proposal they concern: its text as it stands, whether it
/// was withdrawn, and everyone's stance on it. The rules take these, not a view of them: the
/// view is built from what the rules decide (ARCHITECTURE.md, invariant 14).
pub(crate) struct Concerned<'a> {
    pub id: ProposalId,
    pub label: &'a str,
    pub text: &'a str,
    pub heads: &'a [String],
    pub withdrawn: bool,
    pub stances: &'a Stances,
}

/// A silence procedure as it stands at the time the view is evaluated at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SilenceView {
    /// What was put under silence, by whom, when, until when.
    #[serde(flatten)]
    pub procedure: Silence,
    /// The objection that broke silence, if one stands from before its end.
    pub broken_by: Option<Breach>,
    /// The text was edited, or the proposal withdrawn, while under silence.
    pub voided: bool,
    /// Silence held until its end: the proposal is adopted by silence procedure.
    pub held: bool,
    /// Still running at the time the view is evaluated at: neither broken, voided nor held
    /// (said here so that clients do not derive it again).
    pub running: bool,
}

/// An objection that ended a procedure: who, when, why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breach {
    /// Who objected.
    pub participant: ParticipantCode,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: String,
}

/// One member's acceptance ad referendum of the section's adoption, as it stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Confirmation {
    /// Who must confirm.
    pub participant: ParticipantCode,
    /// Until when it may confirm or object.
    pub until: Timestamp,
    /// What it said when it accepted ad referendum.
    pub reason: String,
    /// When it was confirmed (`None`: still pending).
    pub confirmed_at: Option<Timestamp>,
    /// Taken as confirmed because its time passed without an objection.
    pub lapsed: bool,
}

impl Confirmation {
    /// Not confirmed yet at the time the view is evaluated at.
    pub fn pending(&self) -> bool {
        self.confirmed_at.is_none()
    }
}

/// Where `silence` stands at `now`, given the section's recorded adoption and the
/// proposal under silence (`None`: no longer readable).
pub(crate) fn silence(
    silence: &Silence,
    agreed: Option<&Adoption>,
    proposal: Option<&Concerned<'_>>,
    now: Timestamp,
) -> SilenceView {
    let recorded = agreed.is_some_and(|a| a.by_silence && a.proposal == silence.proposal);
    let broken_by = match (recorded, proposal) {
        (false, Some(proposal)) => earliest_objection(proposal.stances, |_| Some(silence.until)),
        _ => None,
    };
    let voided = !recorded && proposal.is_none_or(|p| p.withdrawn || text_fingerprint(p.text) != silence.text_sha);
    let held = recorded || (broken_by.is_none() && !voided && now >= silence.until);
    let running = broken_by.is_none() && !voided && !held;
    SilenceView { procedure: silence.clone(), broken_by, voided, held, running }
}

/// The adoption a silence that held makes: the proposal's text as it stood, adopted at the
/// end of silence in the name of whoever put it under silence (what `settle` records).
pub(crate) fn adoption_by_silence(silence: &Silence, proposal: &Concerned<'_>) -> Adoption {
    Adoption {
        text: proposal.text.to_string(),
        proposal: proposal.id,
        label: proposal.label.to_string(),
        by: silence.by.clone(),
        at: silence.until,
        proposal_heads: proposal.heads.to_vec(),
        by_silence: true,
        ad_ref: Vec::new(),
        settled: Default::default(),
    }
}

/// The confirmations an adoption waits for, at `now`, from the stances on the adopted
/// proposal: a recorded outcome stands; else an acceptance given before the date confirms;
/// else the date passing confirms (lapsed); else it is pending.
pub(crate) fn confirmations(adoption: &Adoption, stances: &Stances, now: Timestamp) -> Vec<Confirmation> {
    adoption
        .ad_ref
        .iter()
        .map(|ad_ref| {
            let pending = Confirmation {
                participant: ad_ref.participant.clone(),
                until: ad_ref.until,
                reason: ad_ref.reason.clone(),
                confirmed_at: None,
                lapsed: false,
            };
            if let Some(settled) = adoption.settled.get(&ad_ref.participant) {
                return Confirmation { confirmed_at: Some(settled.at), lapsed: settled.lapsed, ..pending };
            }
            let stance = stances.get(&ad_ref.participant);
            match stance.filter(|s| s.stance.accepts()).map(|s| s.at.unwrap_or(adoption.at)) {
                Some(at) if at < ad_ref.until => Confirmation { confirmed_at: Some(at), ..pending },
                _ if now >= ad_ref.until => Confirmation { confirmed_at: Some(ad_ref.until), lapsed: true, ..pending },
                _ => pending,
            }
        })
        .collect()
}

/// Adds to the adoption's settled outcomes those of `confirmations` whose date passed by
/// `now`: what [`crate::Negotiation::settle`] records, so the view reads the same before
/// and after it is recorded.
pub(crate) fn settle_due(adoption: &mut Adoption, confirmations: &[Confirmation], now: Timestamp) {
    for confirmation in confirmations.iter().filter(|c| c.until <= now) {
        if let Some(at) = confirmation.confirmed_at {
            let settled = Settled { at, lapsed: confirmation.lapsed };
            adoption.settled.entry(confirmation.participant.clone()).or_insert(settled);
        }
    }
}

/// The objection that voids an adoption agreed ad referendum: one given before its date by
/// a member whose acceptance was ad referendum and not yet recorded as confirmed.
pub(crate) fn voiding(adoption: &Adoption, stances: &Stances) -> Option<Breach> {
    earliest_objection(stances, |who| {
        let ad_ref = adoption.ad_ref.iter().find(|a| &a.participant == who)?;
        (!adoption.settled.contains_key(who)).then_some(ad_ref.until)
    })
}

/// How a voided adoption reads: as reopened, in the adopter's name, at the objection.
pub(crate) fn reopening_by(adoption: &Adoption, breach: &Breach) -> Reopening {
    Reopening {
        by: adoption.by.clone(),
        at: breach.at,
        reason: format!(
            "{} objected before confirming its acceptance ad referendum: {}",
            breach.participant, breach.reason
        ),
        label: adoption.label.clone(),
    }
}

/// The earliest objection among `stances` given before the time `deadline` gives its
/// author (`None`: that participant's objections do not count).
fn earliest_objection(stances: &Stances, deadline: impl Fn(&ParticipantCode) -> Option<Timestamp>) -> Option<Breach> {
    stances
        .iter()
        .filter(|(_, s)| s.stance == StanceKind::Object)
        .filter_map(|(who, s)| {
            let at = s.at?;
            (at < deadline(who)?).then(|| Breach { participant: who.clone(), at, reason: s.reason.clone() })
        })
        .min_by(|a, b| (a.at, &a.participant).cmp(&(b.at, &b.participant)))
}

/// The earliest time after `now` at which a procedure of these would end by itself.
pub(crate) fn next_due<'a>(
    silences: impl Iterator<Item = &'a SilenceView>,
    confirmations: impl Iterator<Item = &'a Confirmation>,
) -> Option<Timestamp> {
    let silences = silences.filter(|s| s.running).map(|s| s.procedure.until);
    let confirmations = confirmations.filter(|c| c.pending()).map(|c| c.until);
    silences.chain(confirmations).min()
}

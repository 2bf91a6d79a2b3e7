//! Who may write what (ARCHITECTURE.md, invariant 2), in one place.
//!
//! A participant writes only its own participant document and the proposals
//! it sponsors; the chair and convenors also write the negotiation document;
//! observers write nothing. Every write in [`crate::Negotiation`] asks here
//! first, and the sync server asks [`may_write_document`] for every document
//! a peer sends, so both paths apply the same rule.

use crate::negotiation_doc::Participant;
use crate::{DocumentId, Error, ParticipantCode, Role};

/// The kinds of document a negotiation is made of, with what decides who writes them.
#[derive(Clone, Debug, PartialEq)]
pub enum DocumentRole {
    /// The negotiation document: chair and convenors.
    Negotiation,
    /// A participant document: that participant.
    Participant(ParticipantCode),
    /// A proposal document: its sponsors.
    Proposal {
        /// The proposal's sponsors.
        sponsors: Vec<ParticipantCode>,
    },
}

/// The participant `code`, or an error if the negotiation does not know it.
pub(crate) fn participant<'a>(
    participants: &'a [Participant],
    code: &ParticipantCode,
) -> Result<&'a Participant, Error> {
    participants.iter().find(|p| &p.code == code).ok_or_else(|| Error::UnknownParticipant(code.clone()))
}

/// `who` may write its own participant document (stances, sponsoring).
pub(crate) fn check_member(participants: &[Participant], who: &ParticipantCode) -> Result<(), Error> {
    let participant = participant(participants, who)?;
    if !participant.role.is_member() {
        return Err(Error::ObserverCannotWrite(who.clone()));
    }
    Ok(())
}

/// `who` may change the negotiation document (`action` names what for the error).
pub(crate) fn check_chair(
    participants: &[Participant],
    who: &ParticipantCode,
    action: &'static str,
) -> Result<(), Error> {
    let participant = participant(participants, who)?;
    if !participant.role.chairs() {
        return Err(Error::NotChair { who: who.clone(), action });
    }
    Ok(())
}

/// `who` was named a sponsor of the proposal with this label and these
/// sponsors (what joining needs).
pub(crate) fn check_named(
    participants: &[Participant],
    who: &ParticipantCode,
    label: &str,
    sponsors: &[ParticipantCode],
) -> Result<(), Error> {
    check_member(participants, who)?;
    if !sponsors.contains(who) {
        let sponsors = sponsors.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        return Err(Error::NotSponsor { who: who.clone(), label: label.to_string(), sponsors });
    }
    Ok(())
}

/// `who`, whose role is `role`, may change the proposal with this label and
/// these sponsors: a member named among them that has `joined` (listed it
/// in its own document). The sponsor rule for every edit; the keystroke
/// path, which keeps roles and joins between edits, asks it too.
pub(crate) fn check_editor(
    role: Role,
    who: &ParticipantCode,
    label: &str,
    sponsors: &[ParticipantCode],
    joined: bool,
) -> Result<(), Error> {
    if !role.is_member() {
        return Err(Error::ObserverCannotWrite(who.clone()));
    }
    if !sponsors.contains(who) {
        let sponsors = sponsors.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        return Err(Error::NotSponsor { who: who.clone(), label: label.to_string(), sponsors });
    }
    if !joined {
        return Err(Error::NotJoined { who: who.clone(), label: label.to_string() });
    }
    Ok(())
}

/// Whether `who` may write a document of this role: the rule the sync
/// endpoint applies to whole documents.
pub fn may_write_document(participants: &[Participant], who: &ParticipantCode, role: &DocumentRole) -> bool {
    let Ok(participant) = participant(participants, who) else {
        return false;
    };
    match role {
        _ if !participant.role.is_member() => false,
        DocumentRole::Negotiation => participant.role.chairs(),
        DocumentRole::Participant(owner) => owner == who,
        DocumentRole::Proposal { sponsors } => sponsors.contains(who),
    }
}

/// The participant whose document this is, if `document` is a participant document.
pub(crate) fn owner_of(participants: &[Participant], document: &DocumentId) -> Option<ParticipantCode> {
    participants.iter().find(|p| &p.document == document).map(|p| p.code.clone())
}

//! The one error type of the core. Messages are lower case and say what was
//! wrong and, where it helps, what to do instead; the CLI and server show them as is.

use crate::consensus::Blocker;
use crate::{ParticipantCode, ProposalId};

/// Everything that can go wrong in the negotiation core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A document id that is not bs58check text of 16 bytes.
    #[error("invalid id {0:?}: expected a document id (bs58 text, as listed with the negotiation)")]
    InvalidId(String),
    /// A participant code with characters outside A-Z, 0-9 and '-'.
    #[error("invalid participant code {0:?}: use 1 to 16 upper-case letters, digits or '-' (e.g. ITU)")]
    InvalidParticipantCode(String),
    /// A role name that is not one of the four roles.
    #[error("invalid role {0:?}: expected chair, convenor, member or observer")]
    InvalidRole(String),
    /// A stance name that is not one of the four stances.
    #[error("invalid stance {0:?}: expected support, can-live-with, reserve or object")]
    InvalidStance(String),
    /// A participant the negotiation does not know.
    #[error("unknown participant {0}: not a participant of this negotiation")]
    UnknownParticipant(ParticipantCode),
    /// A participant code used twice.
    #[error("participant {0} already takes part in this negotiation")]
    DuplicateParticipant(ParticipantCode),
    /// A section number the negotiation does not have.
    #[error("unknown section {0}: this negotiation has no such section")]
    UnknownSection(u32),
    /// Section number 0.
    #[error("section numbers start at 1")]
    InvalidSection,
    /// A section adopted once already.
    #[error("section {section} is already agreed ({label} was adopted)")]
    AlreadyAgreed {
        /// The section.
        section: u32,
        /// The label of the adopted proposal.
        label: String,
    },
    /// Reopening a section that is not agreed.
    #[error("section {0} is not agreed: only an agreed section can be reopened")]
    NotAgreed(u32),
    /// A package of fewer than two different sections.
    #[error("a package needs at least two different sections, like --sections 1,4")]
    PackageTooSmall,
    /// A section that is already in another package.
    #[error("section {section} is already in a package with §{with}: a section is in one package at most")]
    AlreadyInPackage {
        /// The section.
        section: u32,
        /// The sections of its package, as "1, 4".
        with: String,
    },
    /// An ad referendum stance that is not a reservation.
    #[error("only a reservation can be ad referendum: take the stance reserve with a date (--ad-ref-until)")]
    AdRefIsAReservation,
    /// A procedure's time that is not after the moment it is set.
    #[error("the {0} must be later than now")]
    NotInFuture(&'static str),
    /// Silence asked for a proposal someone objects to.
    #[error("{label} cannot be put under silence: {who} objects to it; silence is for a text no one objects to")]
    SilenceObjected {
        /// The proposal's label.
        label: String,
        /// Who objects.
        who: ParticipantCode,
    },
    /// A second silence procedure in a section whose silence is still running.
    #[error("section {section} is already under silence ({label}): wait until it ends or is broken")]
    AlreadyUnderSilence {
        /// The section.
        section: u32,
        /// The label of the proposal under silence.
        label: String,
    },
    /// Reopening without a reason.
    #[error("reopening an agreed section needs a reason: say why it is opened again")]
    ReopeningNeedsReason,
    /// A document this replica has not received yet.
    #[error("document {0} has not been received yet: sync with the others first")]
    DocumentNotHeld(crate::DocumentId),
    /// A moment before the negotiation was opened.
    #[error("the negotiation was not opened yet at that time: choose a later time")]
    NotYetOpen,
    /// A comment that cannot be added.
    #[error("invalid comment: {0}")]
    InvalidComment(String),
    /// A version text that does not parse.
    #[error("invalid version {0:?}: expected DOC:HEAD.HEAD;DOC:HEAD as written in an export")]
    InvalidVersion(String),
    /// An edit that names no heads, or too many.
    #[error("base heads: {0}; send the 1 to 64 heads of the text the edit was made on")]
    InvalidHeads(String),
    /// Heads that name a change the document does not have.
    #[error("unknown base heads {0}: reload the proposal and edit its current text")]
    UnknownHeads(String),
    /// A section number used twice.
    #[error("section {0} already exists")]
    DuplicateSection(u32),
    /// A proposal id the negotiation does not have.
    #[error("unknown proposal {0}: this negotiation has no such proposal")]
    UnknownProposal(ProposalId),
    /// A proposal id used twice.
    #[error("proposal {0} already exists")]
    DuplicateProposal(ProposalId),
    /// An observer tried to write.
    #[error("{0} is an observer: observers follow the negotiation but cannot propose, edit or take stances")]
    ObserverCannotWrite(ParticipantCode),
    /// Someone other than a sponsor tried to change a proposal.
    #[error(
        "{who} is not a sponsor of {label}: only its sponsors ({sponsors}) can change it; propose your own wording instead"
    )]
    NotSponsor {
        /// Who tried.
        who: ParticipantCode,
        /// The proposal's label.
        label: String,
        /// Its sponsors, comma separated.
        sponsors: String,
    },
    /// A named co-sponsor tried to change a proposal before joining it.
    #[error("{who} was named a sponsor of {label} but has not joined it: join it first (accord cosponsor)")]
    NotJoined {
        /// Who tried.
        who: ParticipantCode,
        /// The proposal's label.
        label: String,
    },
    /// Someone other than the chair or a convenor tried a chair's action.
    #[error("{who} cannot {action}: only the chair or a convenor can")]
    NotChair {
        /// Who tried.
        who: ParticipantCode,
        /// What they tried, e.g. "adopt a proposal".
        action: &'static str,
    },
    /// A text holding a character XML 1.0 forbids (a control character).
    #[error(
        "the {field} holds a character that is not allowed in a text (U+{code:04X} at character {position}): remove it"
    )]
    ForbiddenCharacter {
        /// Which text, e.g. "proposal text".
        field: &'static str,
        /// The character's code point.
        code: u32,
        /// Its position, counting characters from 1.
        position: usize,
    },
    /// A text longer than its limit.
    #[error("the {field} is {length} bytes; it may be at most {limit} bytes")]
    TooLong {
        /// Which text.
        field: &'static str,
        /// How long it is.
        length: usize,
        /// The most it may be.
        limit: usize,
    },
    /// A proposal without words.
    #[error("a proposal needs a text")]
    EmptyText,
    /// An objection without a reason.
    #[error("an objection needs a reason: say why the text is unacceptable")]
    ObjectionNeedsReason,
    /// A proposal with an empty label.
    #[error("a proposal needs a label, e.g. \"Alt 4\"")]
    EmptyLabel,
    /// Two live proposals of one section with the same label.
    #[error("section {section} already has a proposal labelled {label:?}: choose another label")]
    DuplicateLabel {
        /// The section.
        section: u32,
        /// The label.
        label: String,
    },
    /// A proposal of another section was named for adoption.
    #[error("{label} belongs to section {actual}, not section {requested}")]
    WrongSection {
        /// The proposal's label.
        label: String,
        /// The section asked for.
        requested: u32,
        /// The section the proposal belongs to.
        actual: u32,
    },
    /// A stance or edit on a withdrawn proposal.
    #[error("{0} was withdrawn by its sponsors: take a stance on a live proposal, or propose a new wording")]
    Withdrawn(String),
    /// Adoption refused by the consensus rule.
    #[error("{label} cannot be adopted yet: {}", describe_blockers(.blockers))]
    ConsensusNotReached {
        /// The proposal's label.
        label: String,
        /// Who blocks and why.
        blockers: Vec<Blocker>,
    },
    /// A document that does not have the shape Accord writes.
    #[error("malformed document: {0}: {1}")]
    MalformedDocument(String, String),
    /// A splice outside the text.
    #[error("edit out of range: position {pos} deleting {delete} in a text of {len} characters")]
    SpliceOutOfRange {
        /// Where the splice starts.
        pos: usize,
        /// How many characters it deletes.
        delete: usize,
        /// The text's length in characters.
        len: usize,
    },
    /// A fixture script that names things it never defined.
    #[error("fixture error: {0}")]
    Fixture(String),
    /// An error from automerge itself.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

fn describe_blockers(blockers: &[Blocker]) -> String {
    let described: Vec<String> = blockers.iter().map(ToString::to_string).collect();
    described.join("; ")
}

//! accord-core: the negotiation model of Accord, on automerge.
//!
//! A negotiation is a set of automerge documents split by owner (see
//! ARCHITECTURE.md): one negotiation document written by the chair and convenors,
//! one document per participant (its stances and sponsored proposals), and
//! one per proposal (its text, written by its sponsors). [`Negotiation`]
//! holds them and offers every write a participant can make; each write
//! takes an [`Attribution`] (who and when: the core has no clock and does no
//! I/O), is checked by [`authorization`], and becomes one attributed change.
//!
//! Reading composes the documents into a [`NegotiationView`]: stances and
//! whether they are stale, the [`consensus`] rule's blockers, section status,
//! outstanding disagreements and the text gap ([`convergence`]). On top of
//! it: [`redline`] (readable word-level diffs), [`compromise`] (what every
//! live proposal says, and each one's wording in brackets where they
//! differ), [`authorship`] (who made each change a redline shows) and
//! [`history`].

pub mod attribution;
pub mod authorization;
pub mod authorship;
mod characters;
pub mod comment;
pub mod compromise;
pub mod consensus;
pub mod convergence;
mod distances;
mod document;
mod edit_target;
mod error;
mod fields;
pub mod fixture;
pub mod gate;
pub mod history;
mod ids;
mod late_edit;
mod negotiation;
mod negotiation_doc;
mod negotiation_writes;
mod participant_doc;
mod participant_writes;
pub mod procedure;
mod procedure_writes;
mod proposal_doc;
mod proposal_writes;
mod reads;
pub mod redline;
mod role;
mod stance;
pub mod substance;
pub mod trend;
mod version;
pub mod view;

pub use attribution::{Attribution, ChangeNote, Timestamp};
pub use characters::{MAX_PROPOSAL_TEXT_BYTES, MAX_SHORT_TEXT_BYTES, allowed_in_text};
pub use distances::DistancesAhead;
pub use document::{actor_for, text_fingerprint};
pub use error::Error;
pub use ids::{DocumentId, ParticipantCode, ProposalId};
pub use negotiation::{Negotiation, NewParticipant, NewProposal, Splice};
pub use negotiation_doc::{AdRef, Adoption, Participant, Reopening, Settled, Silence};
pub use participant_doc::{StanceRecord, document_id as participant_document_id};
pub use role::Role;
pub use stance::{StanceKind, StanceView, Stances};
pub use version::Version;
pub use view::{NegotiationView, ProposalView, SectionView};

/// Re-exported so callers load and save documents with the same automerge.
pub use automerge;

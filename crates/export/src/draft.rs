//! What every format shows of a section, decided once: an agreed section's
//! text and record; an unresolved section's draft (the compromise, its
//! disagreements in brackets), then every live alternative in full with its
//! label, sponsors and own approval record. Formats only lay it out.

use accord_core::compromise::{Alternative, Compromise, Piece};
use accord_core::{NegotiationView, ProposalView, SectionView};

use crate::record::{ApprovalRecord, one_line};

/// One section as the draft shows it.
pub(crate) struct SectionDraft<'v> {
    pub section: &'v SectionView,
    pub body: Body<'v>,
}

/// An agreed or an unresolved section.
pub(crate) enum Body<'v> {
    Agreed {
        text: &'v str,
        /// The adopted proposal, if this replica holds it.
        adopted: Option<&'v ProposalView>,
        record: Box<ApprovalRecord>,
    },
    Unresolved {
        /// The draft with its brackets (nothing of an unresolved section is agreed).
        draft: Vec<Piece>,
        alternatives: Vec<AlternativeDraft<'v>>,
    },
}

/// One live alternative of an unresolved section.
pub(crate) struct AlternativeDraft<'v> {
    pub proposal: &'v ProposalView,
    pub record: ApprovalRecord,
}

impl AlternativeDraft<'_> {
    /// `Alt 2 (DESA, UNCTAD)`.
    pub fn title(&self) -> String {
        titled(self.proposal)
    }
}

/// `Alt 2 (DESA, UNCTAD)`: a proposal's label and sponsors, on one line.
pub(crate) fn titled(proposal: &ProposalView) -> String {
    let sponsors: Vec<String> = proposal.joined_sponsors().iter().map(ToString::to_string).collect();
    format!("{} ({})", one_line(&proposal.label), sponsors.join(", "))
}

/// Every section of `view`, as the draft shows it.
pub(crate) fn sections(view: &NegotiationView) -> Vec<SectionDraft<'_>> {
    view.sections.iter().map(|section| SectionDraft { section, body: body(view, section) }).collect()
}

fn body<'v>(view: &'v NegotiationView, section: &'v SectionView) -> Body<'v> {
    if let (Some(text), Some(adoption)) = (&section.agreed_text, &section.adoption) {
        let adopted = section.proposals.iter().find(|p| p.id == adoption.proposal);
        let record = ApprovalRecord::of_adoption(adoption, adopted, &view.participants)
            .reopened(&section.reopenings)
            .with_procedures(section)
            .in_package(section);
        return Body::Agreed { text, adopted, record: Box::new(record) };
    }
    let live: Vec<&ProposalView> = section.live_proposals().collect();
    let draft = match live.as_slice() {
        [] => Compromise::single(Alternative { labels: vec![], sponsors: vec![], text: section.base_text.clone() }),
        [only] => Compromise::single(Alternative {
            labels: vec![one_line(&only.label)],
            sponsors: only.joined_sponsors(),
            text: only.text.clone(),
        }),
        _ => section.compromise(),
    };
    let alternatives = live
        .into_iter()
        .map(|proposal| {
            let record = ApprovalRecord::of(proposal, &view.participants).reopened(&section.reopenings);
            AlternativeDraft { proposal, record }
        })
        .collect();
    Body::Unresolved { draft: labels_on_one_line(draft.pieces()), alternatives }
}

/// Labels are participants' words: kept on one line, like reasons.
fn labels_on_one_line(mut pieces: Vec<Piece>) -> Vec<Piece> {
    for piece in &mut pieces {
        if piece.kind == accord_core::compromise::PieceKind::Label {
            piece.text = format!("{} ", one_line(&piece.text));
        }
    }
    pieces
}

/// How many sections are agreed.
pub(crate) fn agreed_count(view: &NegotiationView) -> usize {
    view.sections.iter().filter(|s| s.agreed_text.is_some()).count()
}

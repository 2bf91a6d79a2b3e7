//! The approval record of a section: who accepted its text, who reserved or
//! objected and why, and when and by whom it was adopted. Shared by every format.

use std::time::{Duration, UNIX_EPOCH};

use accord_core::{ParticipantCode, SectionView, StanceKind, Timestamp};

/// The text a section contributes to the draft: its agreed text; else its
/// compromise draft when proposals collide; else, since nothing is agreed
/// yet, its one wording in brackets (`[Alt 1 (HLCM): ...]`, or the base
/// text when there is no proposal).
pub fn section_text(section: &SectionView) -> String {
    if let Some(agreed) = &section.agreed_text {
        return agreed.trim().to_string();
    }
    let compromise = section.compromise();
    if compromise.brackets > 0 {
        return compromise.text.trim().to_string();
    }
    let wordings: Vec<String> = section
        .live_proposals()
        .map(|p| {
            let sponsors: Vec<&str> = p.sponsors.iter().map(ParticipantCode::as_str).collect();
            format!("{} ({}): {}", p.label, sponsors.join(", "), p.text.trim())
        })
        .collect();
    if wordings.is_empty() {
        return format!("[{}]", section.base_text.trim());
    }
    format!("[{}]", wordings.join(" / "))
}

/// Who stands where on a section's adopted (or leading) proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalRecord {
    /// Members who support or can live with the text.
    pub accepted: Vec<ParticipantCode>,
    /// Reservations, with reasons.
    pub reserved: Vec<(ParticipantCode, String)>,
    /// Objections, with reasons.
    pub objected: Vec<(ParticipantCode, String)>,
    /// "Adopted by HLCP on 2026-11-05 09:30 UTC (Alt 1)", once adopted.
    pub adoption: Option<String>,
}

/// The record for the proposal adopted in `section`, or else its most accepted live proposal.
pub fn approval_record(section: &SectionView) -> Option<ApprovalRecord> {
    let adopted = section.adoption.as_ref().and_then(|a| section.proposals.iter().find(|p| p.id == a.proposal));
    let proposal = adopted.or_else(|| section.live_proposals().max_by_key(|p| p.tally.accepting))?;
    let mut record = ApprovalRecord { accepted: vec![], reserved: vec![], objected: vec![], adoption: None };
    for (code, stance) in &proposal.stances {
        match stance.stance {
            StanceKind::Support | StanceKind::CanLiveWith => record.accepted.push(code.clone()),
            StanceKind::Reserve => record.reserved.push((code.clone(), stance.reason.clone())),
            StanceKind::Object => record.objected.push((code.clone(), stance.reason.clone())),
        }
    }
    record.adoption =
        section.adoption.as_ref().map(|a| format!("Adopted by {} on {} ({})", a.by, format_time(a.at), a.label));
    Some(record)
}

/// A timestamp as `2026-11-05 09:30 UTC`.
pub fn format_time(at: Timestamp) -> String {
    let Ok(millis) = u64::try_from(at.millis()) else {
        return format!("{} ms", at.millis());
    };
    let time = UNIX_EPOCH + Duration::from_millis(millis);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    format!("{} {} UTC", &text[..10], &text[11..16])
}

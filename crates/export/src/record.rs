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

impl ApprovalRecord {
    /// The record as sentences, one a line, the same in every format.
    pub fn lines(&self) -> Vec<String> {
        let codes = |list: &[ParticipantCode]| list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let accepted = if self.accepted.is_empty() { "none".to_string() } else { codes(&self.accepted) };
        let mut lines = vec![format!("Accepted by: {accepted}")];
        for (who, reason) in &self.reserved {
            let reason = if reason.is_empty() { "(no reason given)" } else { reason };
            lines.push(format!("Reserved by {who}: {reason}"));
        }
        for (who, reason) in &self.objected {
            lines.push(format!("Objected by {who}: {reason}"));
        }
        lines.extend(self.adoption.clone());
        lines
    }
}

/// The record for the proposal adopted in `section`, or else its most
/// accepted live proposal. Only stances given on the text the record is
/// about count: for an adopted section, the adopted text.
pub fn approval_record(section: &SectionView) -> Option<ApprovalRecord> {
    let mut record = ApprovalRecord { accepted: vec![], reserved: vec![], objected: vec![], adoption: None };
    let proposal = match &section.adoption {
        Some(adoption) => {
            record.adoption =
                Some(format!("Adopted by {} on {} ({})", adoption.by, format_time(adoption.at), adoption.label));
            let adopted = section.proposals.iter().find(|p| p.id == adoption.proposal);
            match adopted {
                Some(p) if p.text == adoption.text => p,
                _ => return Some(record),
            }
        }
        None => section.live_proposals().max_by_key(|p| p.tally.accepting)?,
    };
    for (code, stance) in proposal.stances.iter().filter(|(_, s)| !s.stale) {
        match stance.stance {
            StanceKind::Support | StanceKind::CanLiveWith => record.accepted.push(code.clone()),
            StanceKind::Reserve => record.reserved.push((code.clone(), stance.reason.clone())),
            StanceKind::Object => record.objected.push((code.clone(), stance.reason.clone())),
        }
    }
    Some(record)
}

/// The last moment humantime can format (9999-12-31T23:59:59Z), in ms.
const LATEST_FORMATTED: i64 = 253_402_300_799_999;

/// A timestamp as `2026-11-05 09:30 UTC`; times outside years 1970 to 9999
/// (which only a misbehaving peer writes) as raw milliseconds.
pub fn format_time(at: Timestamp) -> String {
    let millis = match u64::try_from(at.millis()) {
        Ok(millis) if at.millis() <= LATEST_FORMATTED => millis,
        _ => return format!("{} ms since 1970", at.millis()),
    };
    let time = UNIX_EPOCH + Duration::from_millis(millis);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    format!("{} {} UTC", &text[..10], &text[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(format_time(Timestamp(1_793_610_000_000)), "2026-11-02 09:00 UTC");
    }

    #[test]
    fn times_no_calendar_can_show_fall_back_to_milliseconds() {
        assert_eq!(format_time(Timestamp(-5)), "-5 ms since 1970");
        assert_eq!(format_time(Timestamp(i64::MAX)), format!("{} ms since 1970", i64::MAX));
    }
}

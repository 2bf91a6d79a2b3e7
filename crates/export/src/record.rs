//! The approval record of a wording: who accepts it, who accepted an
//! earlier text of it, who reserves or objects and why, who has said
//! nothing, and the adoption. Shared by every format, as plain sentences
//! each format escapes its own way.

use std::time::{Duration, UNIX_EPOCH};

use accord_core::{Adoption, Participant, ParticipantCode, ProposalView, Reopening, StanceKind, Timestamp};

/// Where every member stands on one wording.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ApprovalRecord {
    /// Members who support or can live with its current text (sponsors included).
    pub accepted: Vec<ParticipantCode>,
    /// Members who accepted an earlier text and have not confirmed this one.
    pub accepted_earlier: Vec<ParticipantCode>,
    /// Reservations: who, why, and whether on an earlier text.
    pub reserved: Vec<(ParticipantCode, String, bool)>,
    /// Acceptances ad referendum: who, why, and by when headquarters confirm.
    pub ad_ref: Vec<(ParticipantCode, String, Timestamp)>,
    /// Objections: who, why, and whether on an earlier text.
    pub objected: Vec<(ParticipantCode, String, bool)>,
    /// Members with no stance on it.
    pub silent: Vec<ParticipantCode>,
    /// "Reopened by HLCP on 2026-11-09 10:00 UTC (Alt 1 had been adopted): why", oldest first.
    pub reopened: Vec<String>,
    /// "Adopted by HLCP on 2026-11-05 09:30 UTC (Alt 1)", once adopted.
    pub adoption: Option<String>,
    /// "Agreed provisionally, as part of a package with §4 …", while its package is not all adopted.
    pub provisional: Option<String>,
    /// How each acceptance ad referendum of the adoption stands: pending, confirmed, lapsed.
    pub confirmations: Vec<String>,
}

impl ApprovalRecord {
    /// The record of `proposal` among `participants` (observers only when they spoke).
    pub fn of(proposal: &ProposalView, participants: &[Participant]) -> ApprovalRecord {
        let mut record = ApprovalRecord::default();
        for participant in participants {
            let code = participant.code.clone();
            match proposal.stances.get(&code) {
                None if participant.role.is_member() => record.silent.push(code),
                None => {}
                Some(s) => match s.stance {
                    StanceKind::Support | StanceKind::CanLiveWith if s.stale => record.accepted_earlier.push(code),
                    StanceKind::Support | StanceKind::CanLiveWith => record.accepted.push(code),
                    StanceKind::Reserve => match s.ad_ref_until.filter(|_| !s.stale) {
                        Some(until) => record.ad_ref.push((code, one_line(&s.reason), until)),
                        None => record.reserved.push((code, one_line(&s.reason), s.stale)),
                    },
                    StanceKind::Object => record.objected.push((code, one_line(&s.reason), s.stale)),
                },
            }
        }
        record
    }

    /// The record of an adopted section: stances on the adopted proposal,
    /// when its text is still the agreed one, and the adoption.
    pub fn of_adoption(
        adoption: &Adoption,
        adopted: Option<&ProposalView>,
        participants: &[Participant],
    ) -> ApprovalRecord {
        let mut record = match adopted {
            Some(proposal) if proposal.text == adoption.text => ApprovalRecord::of(proposal, participants),
            _ => ApprovalRecord::default(),
        };
        let label = one_line(&adoption.label);
        record.adoption = Some(format!("Adopted by {} on {} ({label})", adoption.by, format_time(adoption.at)));
        record
    }

    /// The record with the section's reopenings: an adoption undone stays on record.
    pub fn reopened(mut self, reopenings: &[Reopening]) -> ApprovalRecord {
        self.reopened = reopenings
            .iter()
            .map(|r| {
                let (label, reason) = (one_line(&r.label), one_line(&r.reason));
                format!("Reopened by {} on {} ({label} had been adopted): {reason}", r.by, format_time(r.at))
            })
            .collect();
        self
    }

    /// The record with the section's procedures: an adoption by silence says so, and each
    /// acceptance ad referendum says whether it is confirmed.
    pub fn with_procedures(mut self, section: &accord_core::SectionView) -> ApprovalRecord {
        if let (Some(adoption), Some(silence)) = (section.adoption.as_ref().filter(|a| a.by_silence), &section.silence)
        {
            let (label, by, at) = (one_line(&adoption.label), &silence.procedure.by, format_time(silence.procedure.at));
            self.adoption = Some(format!(
                "Adopted by silence procedure on {} ({label}): put under silence by {by} on {at}, no member objected before its end",
                format_time(adoption.at)
            ));
        }
        self.confirmations = section
            .confirmations
            .iter()
            .map(|c| {
                let (who, until) = (&c.participant, format_time(c.until));
                match c.confirmed_at {
                    None => format!("Agreed ad referendum: {who} must confirm by {until}"),
                    Some(at) if c.lapsed => {
                        format!(
                            "{who}'s acceptance ad referendum taken as confirmed on {}: no objection by then",
                            format_time(at)
                        )
                    }
                    Some(at) => format!("{who} confirmed its acceptance ad referendum on {}", format_time(at)),
                }
            })
            .collect();
        self
    }

    /// The record of a section in a package not all adopted: agreed provisionally only.
    pub fn in_package(mut self, section: &accord_core::SectionView) -> ApprovalRecord {
        if section.provisional {
            let others: Vec<String> =
                section.package.iter().filter(|n| **n != section.number).map(|n| format!("§{n}")).collect();
            self.provisional = Some(format!(
                "Agreed provisionally, as part of a package with {}: nothing is agreed until everything is",
                others.join(", ")
            ));
        }
        self
    }

    /// The record as sentences, one a line, the same in every format.
    pub fn lines(&self) -> Vec<String> {
        let codes = |list: &[ParticipantCode]| list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let earlier = |stale: &bool| if *stale { " (on an earlier text)" } else { "" };
        let accepted = if self.accepted.is_empty() { "none".to_string() } else { codes(&self.accepted) };
        let mut lines = vec![format!("Accepted by: {accepted}")];
        if !self.accepted_earlier.is_empty() {
            lines.push(format!("Accepted an earlier text, not yet this one: {}", codes(&self.accepted_earlier)));
        }
        for (who, reason, stale) in &self.reserved {
            let reason = if reason.is_empty() { "(no reason given)" } else { reason };
            lines.push(format!("Reserved by {who}{}: {reason}", earlier(stale)));
        }
        for (who, reason, until) in &self.ad_ref {
            let reason = if reason.is_empty() { String::new() } else { format!(": {reason}") };
            lines.push(format!("Accepted ad referendum by {who}, confirming by {}{reason}", format_time(*until)));
        }
        for (who, reason, stale) in &self.objected {
            lines.push(format!("Objected by {who}{}: {reason}", earlier(stale)));
        }
        if !self.silent.is_empty() && self.adoption.is_none() {
            lines.push(format!("No stance yet: {}", codes(&self.silent)));
        }
        lines.extend(self.reopened.iter().cloned());
        lines.extend(self.adoption.clone());
        lines.extend(self.confirmations.iter().cloned());
        lines.extend(self.provisional.clone());
        lines
    }
}

/// A participant's words on one line: every run of whitespace (newlines
/// included) becomes one space, so a reason cannot start a line of its own.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

    #[test]
    fn a_reason_stays_on_one_line() {
        assert_eq!(one_line("too far\n\n## 7. Fake agreed section\r\n- x"), "too far ## 7. Fake agreed section - x");
    }
}

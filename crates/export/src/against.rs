//! What tracked changes are shown against, as a person names it: a version as an
//! export writes it, or the negotiation as it stood at a time (RFC 3339). The
//! command and the server read it here, so both take the same words.

use std::time::UNIX_EPOCH;

use accord_core::{Negotiation, Timestamp, Version};

/// Why a name given for tracked changes names no version.
#[derive(Debug, thiserror::Error)]
pub enum BadAgainst {
    /// Neither a version nor a time.
    #[error("{0:?} is neither a version (as an export names it) nor a time like 2026-11-03T12:00:00Z")]
    Neither(String),
    /// A time before the negotiation, or a negotiation that does not read.
    #[error(transparent)]
    Negotiation(#[from] accord_core::Error),
}

/// The version `against` names in `negotiation`.
pub fn version_against(negotiation: &Negotiation, against: &str) -> Result<Version, BadAgainst> {
    if let Ok(version) = against.parse::<Version>() {
        return Ok(version);
    }
    let at = parse_time(against).map_err(|_| BadAgainst::Neither(against.to_string()))?;
    Ok(negotiation.as_of(at)?.version())
}

/// A time written as RFC 3339 (`2026-11-03T12:00:00Z`); the error says how to write one.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    let time = humantime::parse_rfc3339_weak(text)
        .map_err(|e| format!("invalid time {text:?}: {e}; write it like 2026-11-03T12:00:00Z"))?;
    let millis = time.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    Ok(Timestamp(i64::try_from(millis).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use accord_core::fixture;

    use super::*;

    #[test]
    fn a_version_names_itself_a_time_the_version_then_and_anything_else_is_refused() {
        let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        let current = negotiation.version();
        let named = version_against(&negotiation, &current.to_string()).expect("a version");
        assert_eq!(named, current);
        let later = version_against(&negotiation, "2999-01-01T00:00:00Z").expect("a time after every change");
        assert_eq!(later, current, "long after its last change, the negotiation is as it is now");
        assert!(matches!(version_against(&negotiation, "yesterday-ish"), Err(BadAgainst::Neither(_))));
    }

    #[test]
    fn times_are_read_as_rfc_3339_and_anything_else_says_how_to_write_one() {
        assert_eq!(parse_time("2026-11-03T12:00:00Z"), Ok(Timestamp(1_793_707_200_000)));
        assert_eq!(parse_time("1970-01-01T00:00:01.5Z"), Ok(Timestamp(1_500)));
        let refused = parse_time("yesterday").expect_err("not a time");
        assert!(refused.contains("write it like 2026-11-03T12:00:00Z"), "{refused}");
    }
}

//! The time a command acts at: now, or the time `ACCORD_NOW` names (RFC 3339), so that scripts
//! and tests are reproducible; and times as commands take them.

use std::time::SystemTime;

use accord_core::Timestamp;
use anyhow::{Context, Result, anyhow};

/// The current time, or ACCORD_NOW (RFC 3339) for reproducible scripts and tests.
pub(crate) fn now() -> Result<Timestamp> {
    match std::env::var("ACCORD_NOW") {
        Ok(text) => parse_time(&text).context("ACCORD_NOW"),
        Err(_) => Ok(to_timestamp(SystemTime::now())),
    }
}

/// A time as written on the command line (RFC 3339).
pub(crate) fn parse_time(text: &str) -> Result<Timestamp> {
    accord_export::parse_time(text).map_err(|e| anyhow!(e))
}

fn to_timestamp(time: SystemTime) -> Timestamp {
    let millis = time.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
}

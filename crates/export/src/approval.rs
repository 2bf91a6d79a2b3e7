//! What the secretariat checks before and after a draft goes out, shared by
//! the command line and the server so both say the same: whether every
//! section is agreed (an export "for approval" is refused otherwise, naming
//! each open section and what blocks it), and whether a file says what the
//! version it names says ([`verify`]: the same bytes, the same text re-saved
//! by Word or LibreOffice, or a changed text, section by section).

use accord_core::{Negotiation, NegotiationView, SectionView, Version};

use crate::{Format, Verdict, compare, export, file_version, sniff};

/// Why a draft is not ready for approval: one line per section not agreed.
#[derive(Debug, Clone, PartialEq)]
pub struct NotReady {
    /// `§N title (status): what blocks each live proposal`, per unresolved section.
    pub sections: Vec<String>,
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not ready for approval: {} section(s) are not agreed:", self.sections.len())?;
        for section in &self.sections {
            write!(f, "\n  {section}")?;
        }
        Ok(())
    }
}

/// Whether every section of `view` is agreed.
pub fn ready_for_approval(view: &NegotiationView) -> Result<(), NotReady> {
    let sections: Vec<String> = view
        .sections
        .iter()
        .filter(|s| s.agreed_text.is_none() || s.pending_confirmations().next().is_some())
        .map(|s| format!("§{} {} ({}): {}", s.number, s.title, s.status.as_str(), blocking(s)))
        .collect();
    if sections.is_empty() { Ok(()) } else { Err(NotReady { sections }) }
}

fn blocking(section: &SectionView) -> String {
    let pending: Vec<String> = section
        .pending_confirmations()
        .map(|c| format!("{} must confirm by {}", c.participant, crate::record::format_time(c.until)))
        .collect();
    if !pending.is_empty() {
        return format!("agreed ad referendum: {}", pending.join("; "));
    }
    let live: Vec<String> = section
        .live_proposals()
        .map(|p| match p.blockers.as_slice() {
            [] => format!("{} can be adopted now", p.label),
            blockers => {
                format!("{}: {}", p.label, blockers.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            }
        })
        .collect();
    if live.is_empty() { "no proposal yet".to_string() } else { live.join(" | ") }
}

/// What a file turned out to be, against the version it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The version the file names, and its fingerprint.
    pub version: Version,
    /// Byte for byte, re-saved, or changed.
    pub verdict: Verdict,
    /// Each section's number and title at that version, to name where a text differs.
    pub sections: Vec<(u32, String)>,
}

/// Why a file could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum Unverifiable {
    /// It names no version: not made by Accord's export.
    #[error("the file names no version: it is not an export of Accord")]
    NotAnExport,
    /// It names a version this negotiation's copy does not hold.
    #[error("the file names version {0}, which this copy of the negotiation does not hold: sync it first")]
    UnknownVersion(String),
    /// A version or its export could not be read.
    #[error(transparent)]
    Core(#[from] accord_core::Error),
}

/// Checks `bytes`, an exported file, against the version of `negotiation` it names: the
/// export of that version is made again and compared with it.
pub fn verify(negotiation: &Negotiation, bytes: &[u8]) -> Result<Checked, Unverifiable> {
    let named = file_version(bytes).ok_or(Unverifiable::NotAnExport)?;
    let version: Version = named.version.parse()?;
    let then = negotiation.at_version(&version).map_err(|_| Unverifiable::UnknownVersion(version.fingerprint()))?;
    let since: Option<Version> = named.against.as_deref().map(str::parse).transpose()?;
    let format: Format = sniff(bytes);
    let fresh = export(&then, format, since.as_ref())?;
    let view = then.view()?;
    let sections: Vec<(u32, String)> = view.sections.iter().map(|s| (s.number, s.title.clone())).collect();
    let titles: Vec<(u32, &str)> = sections.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let verdict = compare(bytes, &fresh, format, &titles);
    Ok(Checked { version, verdict, sections })
}

//! accord-export: the agreed draft of a negotiation, as bytes for the
//! secretariat. Pure: a [`NegotiationView`] in, a document out; exporters
//! never touch storage (DESIGN.md invariant 1).
//!
//! Every format shows, per section, the agreed text, or for an unresolved
//! section its compromise draft with the remaining alternatives in
//! brackets, followed by the approval record (who accepted, who reserved or
//! objected and why, and the adoption).

mod markdown;
mod record;

pub use markdown::markdown;
pub use record::{ApprovalRecord, approval_record, format_time, section_text};

use std::fmt;
use std::str::FromStr;

/// The export formats.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// Markdown.
    Markdown,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "md" | "markdown" => Ok(Format::Markdown),
            other => Err(format!("unknown export format {other:?}: available formats: md")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Markdown => "md",
        })
    }
}

/// Exports `view` in `format`.
pub fn export(view: &accord_core::NegotiationView, format: Format) -> Vec<u8> {
    match format {
        Format::Markdown => markdown(view).into_bytes(),
    }
}

//! accord-export: the agreed draft of a negotiation, as bytes for the
//! secretariat. Pure: a negotiation held in memory in, a document out;
//! exporters never touch storage (ARCHITECTURE.md, invariant 1).
//!
//! Every format shows, per section, the agreed text with its approval
//! record; or for an unresolved section its draft with the remaining
//! disagreements in brackets, then every live alternative in full with its
//! sponsors and its own approval record (who accepts, who accepted an
//! earlier text, who reserves or objects and why). What a participant wrote
//! is escaped for each format and characters XML forbids never reach a
//! file ([`clean`]).

mod against;
mod akn;
mod approval;
mod content;
mod docx;
mod draft;
mod file;
mod html;
mod markdown;
mod record;

pub use against::{BadAgainst, parse_time, version_against};
pub use akn::akn;
pub use approval::{Checked, NotReady, Unverifiable, ready_for_approval, verify};
pub use content::{Difference, Verdict, blocks, compare};
pub use docx::{AGAINST, VERSION_PROPERTY, docx};
pub use file::{FileVersion, file_version, same_export, sniff};
pub use html::html;
pub use markdown::markdown;
pub use record::{ApprovalRecord, format_time, one_line};

use std::fmt;
use std::str::FromStr;

use accord_core::{Error, Negotiation, Version};

/// The export formats.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// Markdown.
    Markdown,
    /// A self-contained, printable HTML page.
    Html,
    /// Akoma Ntoso 3.0 XML.
    Akn,
    /// Word, with the changes as tracked changes.
    Docx,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            "akn" | "xml" => Ok(Format::Akn),
            "docx" => Ok(Format::Docx),
            other => Err(format!("unknown export format {other:?}: available formats: md, html, akn, docx")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Akn => "akn",
            Format::Docx => "docx",
        })
    }
}

/// Exports `negotiation` as it is now in `format`. The file names its
/// version and fingerprint, so `accord verify` can check it later. A DOCX
/// tracks each wording's changes against its base text or, with `since`,
/// what changed since that earlier version (other formats have no `since`).
pub fn export(negotiation: &Negotiation, format: Format, since: Option<&Version>) -> Result<Vec<u8>, Error> {
    let view = negotiation.view()?;
    let version = negotiation.version();
    Ok(match format {
        Format::Markdown => markdown(&view, &version).into_bytes(),
        Format::Html => html(&view, &version).into_bytes(),
        Format::Akn => akn(&view, &version).into_bytes(),
        Format::Docx => docx(&view, &version, &negotiation.tracked_changes(&view, since)?),
    })
}

/// A participant's text with every character XML 1.0 forbids (control
/// characters but tab and line breaks, lone surrogates cannot occur in
/// Rust, U+FFFE and U+FFFF) replaced by U+FFFD. Input refuses them; this
/// keeps a document written by another tool from breaking a file.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(accord_core::allowed_in_text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let cleaned = text.chars().map(|c| if accord_core::allowed_in_text(c) { c } else { '\u{FFFD}' }).collect();
    std::borrow::Cow::Owned(cleaned)
}

/// The version a file says it was exported from, if it says so.
pub fn exported_version(file: &str) -> Option<&str> {
    let start = file.find(VERSION_MARK)? + VERSION_MARK.len();
    let end = file[start..].find("-->")? + start;
    Some(file[start..end].trim())
}

/// Where an export names its version (an HTML comment, invisible when rendered).
pub(crate) const VERSION_MARK: &str = "<!-- accord-version:";

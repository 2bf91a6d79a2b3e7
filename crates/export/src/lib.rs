//! accord-export: the agreed draft of a negotiation, as bytes for the
//! secretariat. Pure: a [`NegotiationView`] in, a document out; exporters
//! never touch storage (DESIGN.md invariant 1).
//!
//! Every format shows, per section, the agreed text, or for an unresolved
//! section its compromise draft with the remaining alternatives in
//! brackets, followed by the approval record (who accepted, who reserved or
//! objected and why, and the adoption).

mod akn;
mod docx;
mod file;
mod html;
mod markdown;
mod record;

pub use akn::akn;
pub use docx::{AGAINST, VERSION_PROPERTY, docx};
pub use file::{FileVersion, file_version, same_export, sniff};
pub use html::html;
pub use markdown::markdown;
pub use record::{ApprovalRecord, approval_record, format_time, section_text};

use std::fmt;
use std::str::FromStr;

use accord_core::Version;

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

/// Exports `view`, made from `version`, in `format`. The file carries the
/// version and its fingerprint, so `accord verify` can check it later.
pub fn export(view: &accord_core::NegotiationView, version: &Version, format: Format) -> Vec<u8> {
    match format {
        Format::Markdown => markdown(view, version).into_bytes(),
        Format::Html => html(view, version).into_bytes(),
        Format::Akn => akn(view, version).into_bytes(),
        Format::Docx => docx(view, version, None),
    }
}

/// Exports `view` as DOCX with the tracked changes made since `since` (a
/// view at an earlier version) rather than those from the base texts.
pub fn export_since(
    view: &accord_core::NegotiationView,
    version: &Version,
    since: (&accord_core::NegotiationView, &Version),
) -> Vec<u8> {
    docx(view, version, Some(since))
}

/// The version a file says it was exported from, if it says so.
pub fn exported_version(file: &str) -> Option<&str> {
    let start = file.find(VERSION_MARK)? + VERSION_MARK.len();
    let end = file[start..].find("-->")? + start;
    Some(file[start..end].trim())
}

/// Where an export names its version (an HTML comment, invisible when rendered).
pub(crate) const VERSION_MARK: &str = "<!-- accord-version:";

//! accord-import: a secretariat's draft read into the sections of a new
//! negotiation. Drafts live in Word: each topic under a Heading 1, its text
//! in the paragraphs below. A `.docx` (as Word or LibreOffice write it) or a
//! `.md` (each `#` heading a section) gives one section per heading, titled
//! by it, whose base text is the paragraphs below it, one line each;
//! numbered and bulleted paragraphs keep their numbers and bullets as text,
//! since the wording refers to them ("as in paragraph 3 (b)").
//!
//! Pure: bytes in, sections out; [`open_negotiation`] makes the negotiation
//! with the core's own writes, so its rules (limits, allowed characters)
//! apply to an imported draft as to anything typed.

mod docx;
mod markdown;
mod numbering;

use accord_core::{Attribution, DocumentId, Negotiation, NewParticipant};
pub use docx::MAX_UNPACKED_BYTES;

/// The largest draft file read: a long plan with its styles is well under
/// 1 MB; the rest of the room is for pictures, which are not imported.
pub const MAX_DRAFT_BYTES: usize = 8 << 20;

/// A draft's sections, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    /// One per top-level heading.
    pub sections: Vec<DraftSection>,
    /// How many paragraphs came before the first heading (a title block, a
    /// preamble): they belong to no section, so they are not imported.
    pub before_first_heading: usize,
}

/// One topic of a draft.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftSection {
    /// The heading's text.
    pub title: String,
    /// The paragraphs below it, one per line.
    pub text: String,
}

/// Why a draft could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Neither a Word document nor Markdown.
    #[error("{0} is not a draft Accord reads: give a Word document (.docx) or Markdown (.md)")]
    UnknownFormat(String),
    /// A `.docx` that is not a readable Word document.
    #[error("{name} is not a readable Word document ({reason}): save it again as .docx from Word or LibreOffice")]
    UnreadableDocx {
        /// The file's name.
        name: String,
        /// What the reader said.
        reason: String,
    },
    /// Larger than [`MAX_DRAFT_BYTES`], or a Word document that unpacks to
    /// more than [`MAX_UNPACKED_BYTES`].
    #[error(
        "{name} is too large to be a draft ({size} bytes{unpacked}; at most {limit}): remove pictures and save again"
    )]
    TooLarge {
        /// The file's name.
        name: String,
        /// Its size.
        size: u64,
        /// " or more, unpacked", when the size is that of its unpacked parts.
        unpacked: &'static str,
        /// The most it may be.
        limit: u64,
    },
    /// Markdown that is not UTF-8.
    #[error("{0} is not UTF-8 text: save it as UTF-8")]
    NotUtf8(String),
    /// No heading to make a section of.
    #[error("{0} has no top-level heading: start each topic with a Heading 1 (in Word) or a `# ` line (in Markdown)")]
    NoHeadings(String),
    /// A heading with nothing under it.
    #[error("the topic \"{0}\" has no text under its heading: write its base text, or remove the heading")]
    EmptySection(String),
}

/// Reads draft `name` (its extension says the format; a Word document is
/// also known by its content) into its sections.
pub fn read_draft(name: &str, bytes: &[u8]) -> Result<Draft, ImportError> {
    let too_large = |size: usize, unpacked, limit: usize| ImportError::TooLarge {
        name: name.to_string(),
        size: size as u64,
        unpacked,
        limit: limit as u64,
    };
    if bytes.len() > MAX_DRAFT_BYTES {
        return Err(too_large(bytes.len(), "", MAX_DRAFT_BYTES));
    }
    let lower = name.to_ascii_lowercase();
    let draft = if lower.ends_with(".docx") || bytes.starts_with(b"PK\x03\x04") {
        match docx::read(bytes) {
            Ok(draft) => draft,
            Err(docx::Unread::TooLarge(size)) => {
                return Err(too_large(size, " or more, unpacked", docx::MAX_UNPACKED_BYTES));
            }
            Err(docx::Unread::Broken(reason)) => {
                return Err(ImportError::UnreadableDocx { name: name.to_string(), reason });
            }
        }
    } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
        markdown::read(std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8(name.to_string()))?)
    } else {
        return Err(ImportError::UnknownFormat(name.to_string()));
    };
    if draft.sections.is_empty() {
        return Err(ImportError::NoHeadings(name.to_string()));
    }
    if let Some(empty) = draft.sections.iter().find(|section| section.text.trim().is_empty()) {
        return Err(ImportError::EmptySection(empty.title.clone()));
    }
    Ok(draft)
}

/// A new negotiation `id` titled `title`, chaired by `chair`, with a section
/// per topic of `draft` (numbered from 1, led by the chair), all written by
/// the chair at `by.at`. Fails as the core's writes do (a title too long, a
/// character not allowed), naming the section.
pub fn open_negotiation(
    id: DocumentId,
    title: &str,
    chair: NewParticipant,
    draft: &Draft,
    replica: &str,
    by: &Attribution,
) -> Result<Negotiation, accord_core::Error> {
    let lead = chair.code.clone();
    let mut negotiation = Negotiation::create(id, title, chair, replica, by.at)?;
    for (number, section) in (1u32..).zip(&draft.sections) {
        negotiation.add_section(number, &section.title, &lead, &section.text, by)?;
    }
    Ok(negotiation)
}

/// A paragraph's text as a line: runs of spaces, tabs and line breaks become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sections from paragraphs in order, each a heading or not (`None`: body text).
fn sections(paragraphs: impl IntoIterator<Item = (Option<String>, String)>) -> Draft {
    let mut draft = Draft { sections: Vec::new(), before_first_heading: 0 };
    for (heading, text) in paragraphs {
        // An empty heading paragraph (a blank line in the heading style) heads nothing.
        let heading = heading.map(|title| one_line(&title)).filter(|title| !title.is_empty());
        match (heading, draft.sections.last_mut()) {
            (Some(title), _) => draft.sections.push(DraftSection { title, text: String::new() }),
            (None, _) if text.trim().is_empty() => {}
            (None, None) => draft.before_first_heading += 1,
            (None, Some(section)) => {
                if !section.text.is_empty() {
                    section.text.push('\n');
                }
                section.text.push_str(&one_line(&text));
            }
        }
    }
    draft
}

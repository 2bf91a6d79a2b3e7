//! A Word draft (`.docx`, as Word or LibreOffice write it): a paragraph is a
//! heading of a section when its style is Heading 1 (by the style's name, so
//! a document made in another language's Word is read too) or when it, or its
//! style, has outline level 1. Other paragraphs, and those in tables, are
//! body text; a numbered or bulleted one starts with its label (see
//! [`crate::numbering`]). Deleted text of tracked changes is left out,
//! inserted text kept: the draft as it reads with its changes accepted.

use std::collections::{BTreeMap, BTreeSet};

use docx_rs::{
    DocumentChild, InsertChild, Paragraph, ParagraphChild, ParagraphProperty, Run, RunChild, Styles, TableCellContent,
    TableChild, TableRowChild,
};

use crate::numbering::Numbers;
use crate::{Draft, sections};

/// The most a Word document may unpack to: the reader unpacks every part in
/// memory, so a small file that unpacks to gigabytes (a zip bomb) is refused
/// before it is read, whatever sizes it declares.
pub const MAX_UNPACKED_BYTES: usize = 64 << 20;

/// Why a Word document was not read.
pub(crate) enum Unread {
    /// It unpacks to at least this many bytes, more than [`MAX_UNPACKED_BYTES`].
    TooLarge(usize),
    /// What the reader said.
    Broken(String),
}

pub(crate) fn read(bytes: &[u8]) -> Result<Draft, Unread> {
    unpacked_size(bytes)?;
    let docx = docx_rs::read_docx(bytes).map_err(|error| Unread::Broken(error.to_string()))?;
    let styles = ParagraphStyles::of(&docx.styles);
    let mut numbers = Numbers::new(&docx.numberings);
    let mut paragraphs = Vec::new();
    for paragraph in body_paragraphs(&docx.document.children) {
        let text = paragraph_text(paragraph);
        if styles.heading(&paragraph.property) {
            paragraphs.push((Some(text), String::new()));
            continue;
        }
        let label = styles.numbering(&paragraph.property).and_then(|(id, level)| numbers.label(id, level));
        paragraphs.push((None, label.map(|label| format!("{label} {text}")).unwrap_or(text)));
    }
    Ok(sections(paragraphs))
}

/// How many bytes the archive's parts unpack to, counted by unpacking them
/// (the sizes an archive declares are the sender's word, not a bound), up to
/// just over [`MAX_UNPACKED_BYTES`]. A part that does not unpack (a broken
/// stream, a wrong checksum) is an error here rather than in the reader.
fn unpacked_size(bytes: &[u8]) -> Result<usize, Unread> {
    let broken = |error: &dyn std::fmt::Display| Unread::Broken(error.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| broken(&e))?;
    let mut total = 0usize;
    for index in 0..archive.len() {
        let room = (MAX_UNPACKED_BYTES - total) as u64 + 1;
        let part = archive.by_index(index).map_err(|e| broken(&e))?;
        let read = std::io::copy(&mut std::io::Read::take(part, room), &mut std::io::sink()).map_err(|e| broken(&e))?;
        total += usize::try_from(read).unwrap_or(usize::MAX);
        if total > MAX_UNPACKED_BYTES {
            return Err(Unread::TooLarge(total));
        }
    }
    Ok(total)
}

/// What the document's paragraph styles say: which are headings of level 1,
/// and the numbering each gives its paragraphs.
struct ParagraphStyles {
    headings: BTreeSet<String>,
    numbering: BTreeMap<String, (usize, usize)>,
}

impl ParagraphStyles {
    fn of(styles: &Styles) -> ParagraphStyles {
        let mut found = ParagraphStyles { headings: BTreeSet::new(), numbering: BTreeMap::new() };
        for style in &styles.styles {
            let name = serde_json::to_value(&style.name).ok().and_then(|name| name.as_str().map(str::to_lowercase));
            let outline_1 = style.paragraph_property.outline_lvl.as_ref().is_some_and(|level| level.v == 0);
            if name.as_deref() == Some("heading 1") || style.style_id == "Heading1" || outline_1 {
                found.headings.insert(style.style_id.clone());
            }
            if let Some(numbering) = numbering_of(&style.paragraph_property) {
                found.numbering.insert(style.style_id.clone(), numbering);
            }
        }
        found
    }

    fn heading(&self, property: &ParagraphProperty) -> bool {
        property.outline_lvl.as_ref().is_some_and(|level| level.v == 0)
            || property.style.as_ref().is_some_and(|style| self.headings.contains(&style.val))
    }

    /// The list and level a paragraph is numbered in: its own, else its style's.
    fn numbering(&self, property: &ParagraphProperty) -> Option<(usize, usize)> {
        match &property.numbering_property {
            Some(_) => numbering_of(property),
            None => property.style.as_ref().and_then(|style| self.numbering.get(&style.val).copied()),
        }
    }
}

/// A paragraph property's list (`w:numId`, 0 is none) and level.
fn numbering_of(property: &ParagraphProperty) -> Option<(usize, usize)> {
    let numbering = property.numbering_property.as_ref()?;
    let id = numbering.id.as_ref().map(|id| id.id).filter(|id| *id != 0)?;
    Some((id, numbering.level.as_ref().map_or(0, |level| level.val)))
}

/// The body's paragraphs in reading order, those in tables (row by row) included.
fn body_paragraphs(children: &[DocumentChild]) -> Vec<&Paragraph> {
    let mut paragraphs = Vec::new();
    for child in children {
        match child {
            DocumentChild::Paragraph(paragraph) => paragraphs.push(paragraph.as_ref()),
            DocumentChild::Table(table) => {
                for TableChild::TableRow(row) in &table.rows {
                    for TableRowChild::TableCell(cell) in &row.cells {
                        for content in &cell.children {
                            if let TableCellContent::Paragraph(paragraph) = content {
                                paragraphs.push(paragraph);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    paragraphs
}

/// A paragraph's text with its tracked insertions and links, without its tracked deletions.
fn paragraph_text(paragraph: &Paragraph) -> String {
    let mut text = String::new();
    children_text(&paragraph.children, &mut text);
    text
}

fn children_text(children: &[ParagraphChild], text: &mut String) {
    for child in children {
        match child {
            ParagraphChild::Run(run) => run_text(run, text),
            ParagraphChild::Insert(insert) => {
                for child in &insert.children {
                    if let InsertChild::Run(run) = child {
                        run_text(run, text);
                    }
                }
            }
            ParagraphChild::Hyperlink(link) => children_text(&link.children, text),
            _ => {}
        }
    }
}

fn run_text(run: &Run, text: &mut String) {
    for child in &run.children {
        match child {
            RunChild::Text(part) => text.push_str(&part.text),
            RunChild::Tab(_) | RunChild::PTab(_) | RunChild::Break(_) | RunChild::CarriageReturn(_) => text.push(' '),
            _ => {}
        }
    }
}

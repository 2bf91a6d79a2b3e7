//! What an export says, read back: its blocks of text (headings,
//! paragraphs, list items; in a DOCX each paragraph with its tracked
//! changes, their authors and dates) in order, whitespace collapsed. Two
//! files with the same blocks say the same thing however they were saved,
//! so `accord verify` can tell a file saved again by another program from
//! one whose text was changed, and say which section changed.

use std::io::Cursor;

use accord_core::redline::redline;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::Format;

/// How a file compares with the export of the version it names.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Byte for byte the same.
    SameBytes,
    /// Other bytes, the same text: the file was saved again (another zip,
    /// other line ends or markup) without changing what it says.
    Resaved,
    /// What it says differs.
    Changed(Vec<Difference>),
}

/// One place where a file says something else than the export.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The section it is in (`None`: the title, summary or footer).
    pub section: Option<u32>,
    /// The redline from what the export says to what the file says, as
    /// `[-exported-]{+in the file+}`.
    pub redline: String,
}

/// Compares `file` with `fresh`, a new export of the version it names;
/// `sections` are that version's section numbers and titles, to say where
/// a difference is.
pub fn compare(file: &[u8], fresh: &[u8], format: Format, sections: &[(u32, &str)]) -> Verdict {
    if file == fresh {
        return Verdict::SameBytes;
    }
    let expected = blocks(fresh, format).unwrap_or_default();
    let found = match blocks(file, format) {
        Some(found) => found,
        None => {
            let redline = format!("the file cannot be read as {format}");
            return Verdict::Changed(vec![Difference { section: None, redline }]);
        }
    };
    if found == expected {
        return Verdict::Resaved;
    }
    Verdict::Changed(differences(&expected, &found, sections))
}

/// The differing runs of blocks, each with its section.
fn differences(expected: &[String], found: &[String], sections: &[(u32, &str)]) -> Vec<Difference> {
    let starts = section_starts(expected, sections);
    let section_at = |index: usize| starts.iter().rev().find(|(_, start)| *start <= index).map(|(n, _)| *n);
    let ops = similar::capture_diff_slices(similar::Algorithm::Patience, expected, found);
    let mut out: Vec<Difference> = Vec::new();
    for op in ops.iter().filter(|op| !matches!(op, similar::DiffOp::Equal { .. })) {
        let (old, new) = (op.old_range(), op.new_range());
        let text = |blocks: &[String]| blocks.join("\n");
        let shown = redline(&text(&expected[old.clone()]), &text(&found[new])).to_plain();
        out.push(Difference { section: section_at(old.start.min(expected.len().saturating_sub(1))), redline: shown });
    }
    out
}

/// Where each section's blocks start: at its heading (`4. Title`, or the
/// title alone where the number is a block of its own).
fn section_starts(blocks: &[String], sections: &[(u32, &str)]) -> Vec<(u32, usize)> {
    let mut starts = Vec::new();
    let mut from = 0;
    for (number, title) in sections {
        let title = collapse(title);
        let heading = format!("{number}. {title}");
        if let Some(at) = blocks[from..].iter().position(|b| *b == heading || *b == title || b.ends_with(&heading)) {
            starts.push((*number, from + at));
            from += at + 1;
        }
    }
    starts
}

/// The blocks of an export in `format`; `None` if it cannot be read as one.
pub fn blocks(bytes: &[u8], format: Format) -> Option<Vec<String>> {
    match format {
        Format::Markdown => Some(markdown_blocks(std::str::from_utf8(bytes).ok()?)),
        Format::Html | Format::Akn => xml_blocks(std::str::from_utf8(bytes).ok()?, format),
        Format::Docx => docx_blocks(bytes),
    }
}

/// Markdown: paragraphs (between blank lines), each list item and heading apart.
fn markdown_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let starts_block = trimmed.starts_with('#') || trimmed.starts_with("- ");
        if trimmed.is_empty() || starts_block {
            push(&mut blocks, &current);
            current.clear();
        }
        current.push(' ');
        current.push_str(trimmed);
        if trimmed.starts_with('#') {
            push(&mut blocks, &current);
            current.clear();
        }
    }
    push(&mut blocks, &current);
    blocks
}

/// The elements whose text is a block, in the HTML and Akoma Ntoso exports.
const BLOCK_ELEMENTS: &[&[u8]] =
    &[b"title", b"h1", b"h2", b"h3", b"p", b"li", b"footer", b"num", b"heading", b"subheading", b"docTitle"];

/// HTML (read leniently: unclosed `meta` and the like) and Akoma Ntoso:
/// the text of each block element; nested blocks end the outer one.
fn xml_blocks(text: &str, format: Format) -> Option<Vec<String>> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = format == Format::Akn;
    config.allow_unmatched_ends = format == Format::Html;
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut skipping = 0usize;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if matches!(e.local_name().as_ref(), b"style" | b"script") => skipping += 1,
            Event::End(e) if matches!(e.local_name().as_ref(), b"style" | b"script") => {
                skipping = skipping.saturating_sub(1)
            }
            Event::Start(e) | Event::Empty(e) if is_block(&e) => {
                push(&mut blocks, &current);
                current.clear();
            }
            Event::End(e) if BLOCK_ELEMENTS.contains(&e.local_name().as_ref()) => {
                push(&mut blocks, &current);
                current.clear();
            }
            Event::Text(t) if skipping == 0 => current.push_str(&t.xml_content().ok()?),
            Event::GeneralRef(r) if skipping == 0 => current.push_str(&entity(&r.xml_content().ok()?)?),
            Event::CData(t) if skipping == 0 => current.push_str(&String::from_utf8_lossy(&t)),
            Event::Eof => break,
            _ => {}
        }
    }
    push(&mut blocks, &current);
    Some(blocks)
}

fn is_block(element: &BytesStart<'_>) -> bool {
    BLOCK_ELEMENTS.contains(&element.local_name().as_ref())
}

/// The text of an entity or character reference (`amp`, `#39`, `#x27`).
fn entity(name: &str) -> Option<String> {
    let ch = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => name.strip_prefix('#')?.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some(ch.to_string())
}

/// DOCX: each paragraph of `word/document.xml`, its tracked changes shown as
/// `{+inserted+}(AUTHOR DATE)` and `[-deleted-](AUTHOR DATE)`, adjacent runs
/// of one kind, author and date joined (however a program split them).
fn docx_blocks(bytes: &[u8]) -> Option<Vec<String>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let xml = String::from_utf8(crate::file::read_part(&mut archive, "word/document.xml")?).ok()?;
    let mut reader = Reader::from_str(&xml);
    let mut blocks = Vec::new();
    let mut runs: Vec<(Mark, String)> = Vec::new();
    let mut mark = Mark::Plain;
    let mut in_text = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => match e.name().as_ref() {
                b"w:ins" => mark = Mark::of(&e, true),
                b"w:del" => mark = Mark::of(&e, false),
                b"w:t" | b"w:delText" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                b"w:br" | b"w:cr" => add(&mut runs, &mark, "\n"),
                b"w:tab" => add(&mut runs, &mark, "\t"),
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                b"w:ins" | b"w:del" => mark = Mark::Plain,
                b"w:t" | b"w:delText" => in_text = false,
                b"w:p" => {
                    push(&mut blocks, &render(&runs));
                    runs.clear();
                }
                _ => {}
            },
            Event::Text(t) if in_text => add(&mut runs, &mark, &t.xml_content().ok()?),
            Event::GeneralRef(r) if in_text => add(&mut runs, &mark, &entity(&r.xml_content().ok()?)?),
            Event::Eof => break,
            _ => {}
        }
    }
    Some(blocks)
}

/// Whether a DOCX run is plain, inserted or deleted, and by whom when.
#[derive(Clone, PartialEq, Debug)]
enum Mark {
    Plain,
    Inserted(String),
    Deleted(String),
}

impl Mark {
    fn of(element: &BytesStart<'_>, inserted: bool) -> Mark {
        let attribute = |name: &[u8]| {
            element
                .try_get_attribute(name)
                .ok()
                .flatten()
                .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                .unwrap_or_default()
        };
        // Minutes: Word and LibreOffice keep them, some tools drop the seconds.
        let date: String = attribute(b"w:date").chars().take(16).collect();
        let who = format!("{} {date}", attribute(b"w:author"));
        if inserted { Mark::Inserted(who) } else { Mark::Deleted(who) }
    }
}

fn add(runs: &mut Vec<(Mark, String)>, mark: &Mark, text: &str) {
    match runs.last_mut() {
        Some((last, run)) if last == mark => run.push_str(text),
        _ => runs.push((mark.clone(), text.to_string())),
    }
}

fn render(runs: &[(Mark, String)]) -> String {
    runs.iter()
        .map(|(mark, text)| match mark {
            Mark::Plain => text.clone(),
            Mark::Inserted(who) => format!("{{+{text}+}}({who})"),
            Mark::Deleted(who) => format!("[-{text}-]({who})"),
        })
        .collect()
}

/// Adds a block, whitespace collapsed, unless it is empty.
fn push(blocks: &mut Vec<String>, text: &str) {
    let text = collapse(text);
    if !text.is_empty() {
        blocks.push(text);
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_blocks_are_paragraphs_items_and_headings() {
        let md = "# Title\n\nSome text\nwrapped.\n\n- one\n- two\n## 2. Next\n";
        assert_eq!(markdown_blocks(md), vec!["# Title", "Some text wrapped.", "- one", "- two", "## 2. Next"]);
    }

    #[test]
    fn html_blocks_ignore_markup_and_styles() {
        let html = "<!doctype html><html><head><meta charset=\"utf-8\"><style>p{}</style></head>\
                    <body><h2>1. A &amp; B</h2><p class=\"x\">Text <span>in</span>\n line</p></body></html>";
        assert_eq!(xml_blocks(html, Format::Html).expect("readable"), vec!["1. A & B", "Text in line"]);
    }
}
